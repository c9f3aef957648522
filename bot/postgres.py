"""The PostgreSQL server as the app asks it to plan: for data that is in memory or on SSD.

PostgreSQL's default `random_page_cost` (4, for spinning disks) makes an index probe look four times dearer than
it is on the servers the bot runs on, so for an area's report the planner hashed the whole nation's check-ins
rather than probe its own households' (`domain.step5_report.counting`). 1.1 is the value PostgreSQL's own
documentation suggests for SSDs. Measured with `bench.report`'s data at 300,000 households: a province's live view
0.70 s at 4, 0.47 s at 1.1; the nation's count 10.8 s at 4, 9.0 s at 1.1. Set on each connection, so the app plans
the same on any server.
"""

ENGINE_OPTIONS = {"connect_args": {"options": "-c random_page_cost=1.1"}}
