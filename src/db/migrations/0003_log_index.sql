CREATE TABLE "log_index" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"lab_id" integer,
	"org_id" integer,
	"developer_id" integer,
	"developer_name" text,
	"action_category_id" integer,
	"operation" text NOT NULL,
	"integration_type" text,
	"endpoint" text,
	"status" text NOT NULL,
	"response_status_code" integer,
	"response_time" integer,
	"error_message" text,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"auto_retry_count" integer DEFAULT 0 NOT NULL,
	"event_id" text,
	"entity_type" text,
	"entity_id" integer,
	"inserted_at" timestamp (3) with time zone NOT NULL,
	"activity_date" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "log_index_inserted_idx" ON "log_index" USING btree ("inserted_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "log_index_type_inserted_idx" ON "log_index" USING btree ("type","inserted_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "log_index_status_inserted_idx" ON "log_index" USING btree ("status","inserted_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "log_index_type_status_inserted_idx" ON "log_index" USING btree ("type","status","inserted_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "log_index_lab_inserted_idx" ON "log_index" USING btree ("lab_id","inserted_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "log_index_lab_status_inserted_idx" ON "log_index" USING btree ("lab_id","status","inserted_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "log_index_developer_inserted_idx" ON "log_index" USING btree ("developer_id","inserted_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "log_index_action_inserted_idx" ON "log_index" USING btree ("action_category_id","inserted_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "log_index_activity_idx" ON "log_index" USING btree ("activity_date" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "log_index_event_idx" ON "log_index" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "log_index_entity_idx" ON "log_index" USING btree ("entity_type","entity_id");