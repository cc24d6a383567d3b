"""The oversight tab: a web page in Teams for chairs and managers (open discussions and their clocks,
overdue work by agency, timeliness over time, the statutory return), served by the same aiohttp app."""
