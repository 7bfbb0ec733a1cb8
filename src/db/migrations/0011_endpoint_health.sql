-- The Endpoints page (issue 13): an endpoint's last success and its failures, however old
-- (src/endpoints/endpoint-health.ts).
CREATE INDEX "log_index_endpoint_status_idx" ON "log_index" USING btree ("endpoint","status","updated_at" DESC NULLS LAST);
