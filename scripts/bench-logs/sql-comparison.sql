-- The same dashboard reads as plain SQL over FerretDB 1.x's own table and its own indexes
-- (FerretDB stores each document as jsonb in column _jsonb; dates as epoch milliseconds), to
-- show what PostgreSQL does when the query reaches it whole. Evidence for the design proposal in
-- docs/log-query-benchmark.md, not a code path of Labwire. Run after `npm run seed:logs`:
--
--   psql -h 127.0.0.1 -U postgres -d labwire_bench_logs -f scripts/bench-logs/sql-comparison.sql
--
SELECT _jsonb->>'table' AS logs_table FROM labwire_bench_logs._ferretdb_database_metadata
 WHERE _jsonb->>'_id' = 'integration_directory' \gset
SET search_path = labwire_bench_logs;
\timing on
\echo '-- warm-up'
SELECT count(*) FROM (SELECT _jsonb->'_id' FROM :"logs_table" ORDER BY _jsonb->'inserted_at' DESC LIMIT 51) w;

\echo '-- first page, no filter (suppressed hidden)'
SELECT count(*) FROM (SELECT _jsonb FROM :"logs_table" WHERE _jsonb->'status' <> '""' ORDER BY _jsonb->'inserted_at' DESC LIMIT 51) p;
\echo '-- Webhook tab'
SELECT count(*) FROM (SELECT _jsonb FROM :"logs_table" WHERE _jsonb->'type' = '"WEBHOOK"' AND _jsonb->'status' <> '""' ORDER BY _jsonb->'inserted_at' DESC LIMIT 51) p;
\echo '-- lab 2001 (largest)'
SELECT count(*) FROM (SELECT _jsonb FROM :"logs_table" WHERE _jsonb->'lab_id' = '2001' AND _jsonb->'status' <> '""' ORDER BY _jsonb->'inserted_at' DESC LIMIT 51) p;
\echo '-- lab 2001 + FAIL'
SELECT count(*) FROM (SELECT _jsonb FROM :"logs_table" WHERE _jsonb->'lab_id' = '2001' AND _jsonb->'status' = '"FAIL"' ORDER BY _jsonb->'inserted_at' DESC LIMIT 51) p;
\echo '-- Errors tab (FAIL, QUEUED): one ordered scan per status, merged'
SELECT count(*) FROM (
  (SELECT _jsonb FROM :"logs_table" WHERE _jsonb->'status' = '"FAIL"' ORDER BY _jsonb->'inserted_at' DESC LIMIT 51)
  UNION ALL
  (SELECT _jsonb FROM :"logs_table" WHERE _jsonb->'status' = '"QUEUED"' ORDER BY _jsonb->'inserted_at' DESC LIMIT 51)
  ORDER BY 1 LIMIT 51) p;
\echo '-- search: event id'
SELECT count(*) FROM :"logs_table" WHERE _jsonb->'event_id' = '"evt-bench-333334"';
\echo '-- stats: lab 2050 (counts by status, p50/p95 response time)'
SELECT _jsonb->>'status' AS status, count(*),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY (_jsonb->>'response_time')::float) AS p50,
       percentile_disc(0.95) WITHIN GROUP (ORDER BY (_jsonb->>'response_time')::float) AS p95
  FROM :"logs_table" WHERE _jsonb->'lab_id' = '2050' GROUP BY 1;
\echo '-- stats: no filter (counts by status over every log)'
SELECT _jsonb->>'status' AS status, count(*) FROM :"logs_table" GROUP BY 1;
