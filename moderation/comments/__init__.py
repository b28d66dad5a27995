"""The core of the service: a comment, its author's standing, its state and how the state
changes (intake, transitions with their audit records and events), and the readers' API.
"""
