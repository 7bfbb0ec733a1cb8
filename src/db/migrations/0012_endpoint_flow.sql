-- Issue 13: an endpoint's pause (written only by its endpoint-flow workflow) and the alerts sent about it.
CREATE TABLE "alerts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"dedupe_key" text NOT NULL,
	"endpoint" text NOT NULL,
	"kind" text NOT NULL,
	"text" text NOT NULL,
	"lab_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"channels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "endpoint_states" (
	"endpoint" text PRIMARY KEY NOT NULL,
	"paused_at" timestamp (3) with time zone,
	"paused_by" text,
	"paused_reason" text,
	"resumed_at" timestamp (3) with time zone,
	"resumed_by" text,
	"resumed_reason" text,
	"next_probe_at" timestamp (3) with time zone,
	"lab_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_dedupe_idx" ON "alerts" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "alerts_created_idx" ON "alerts" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);