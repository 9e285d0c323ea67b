"""``nris api``: the exchange service that agencies' systems and data officers connect to.

A FastAPI application over the same store as the command line: tokens name the agency and role
(``tokens``), submissions go through ``analytics.ingest.submit`` (``submissions``), reads come from
the published snapshot (``routes_read``), the officers' page is ``officer``. Nothing runs at import.
"""
