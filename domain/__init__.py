"""The five steps' rules and queries, with no Flask request and no LINE call in them.

One package per step, so "where does step N live" is answered by the folder names: `step1_survey` (ชี้เป้าชีวิต:
households, the importer, the classification rule, recording a visit, the Family Folder's data), and later
`step2_…` to `step5_…`. `access` is what every step stands on: areas, staff and invites, the area scope every
query goes through, and the audit log.
"""
