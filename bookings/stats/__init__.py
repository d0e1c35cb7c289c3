"""Statistics for coordinators: figures computed by database aggregation.

``selectors.stats_summary`` computes every figure of the dashboard, the API and the exports
with a fixed, small number of aggregate queries (no per-row Python loops);
``tables.summary_tables`` lays the figures out as tables for the CSV and XLSX exports.
"""
