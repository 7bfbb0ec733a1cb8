-- Body retention (src/retention): when a log's bodies were removed. The partial index serves the
-- retention's pages (logs that still have bodies, oldest write first) and shrinks as they are removed.
ALTER TABLE "log_index" ADD COLUMN "bodies_removed_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "log_index_bodies_kept_idx" ON "log_index" USING btree ("updated_at","id") WHERE bodies_removed_at is null;
