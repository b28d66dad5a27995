"""Personal data of comment authors (GDPR): export everything about an author, erase an author
(text and names gone, ids replaced by a keyed pseudonym), retention periods and their scheduled
purge, and a record of every such request. Which tables hold what is declared by each feature
(`<feature>/personal_data.py`) and collected in `registry.py`."""
