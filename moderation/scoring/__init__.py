"""The machine's decisions: the scoring work list, the job that scores a batch, the worker
process's context (settings, sessions, rules, model) and the heartbeats of scoring workers.
"""
