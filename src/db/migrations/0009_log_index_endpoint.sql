-- List rows name the delivery's trigger, authentication and endpoint (issue 11). New logs carry
-- them from the log document (src/logstore/log-index.ts); `labwire reindex-logs` rewrites every row
-- from its document.
ALTER TABLE "log_index" ADD COLUMN "lab_integration_id" integer;--> statement-breakpoint
ALTER TABLE "log_index" ADD COLUMN "auth_id" integer;--> statement-breakpoint
-- Backfill of delivery rows written before, from what PostgreSQL holds: a delivery's log id is
-- sha256(event_id || 0x00 || lab_integration_id) cut to 24 hex digits (activities/delivery/log-id.ts),
-- so the trigger is found among the lab's triggers for the row's action. The endpoint is the
-- trigger's current URL host[:port] (never its path or query) or its Mirth host:port: where it goes
-- now, which may differ from where an old delivery went (reindex-logs takes the document's).
-- A row whose trigger was deleted keeps nulls.
UPDATE "log_index" AS l
SET "lab_integration_id" = li."id",
    "auth_id" = da."id",
    "endpoint" = coalesce(l."endpoint", CASE
      WHEN da."integration_type" = 'mirth' THEN
        nullif(coalesce(li."integration_extra_details"->>'host', da."extra_details"->>'host'), '') || ':' ||
        nullif(coalesce(li."integration_extra_details"->>'port', da."extra_details"->>'port'), '')
      ELSE lower(substring(coalesce(li."url", da."url") from '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^/?#@]+)'))
    END)
FROM "lab_integration" AS li
JOIN "developer_authentication" AS da ON da."id" = li."auth_id"
WHERE l."type" = 'WEBHOOK'
  AND l."event_id" IS NOT NULL
  AND li."action_category_id" = l."action_category_id"
  AND da."lab_id" = l."lab_id"
  AND l."id" = substring(encode(sha256(convert_to(l."event_id", 'UTF8') || '\x00'::bytea || convert_to(li."id"::text, 'UTF8')), 'hex') for 24);
