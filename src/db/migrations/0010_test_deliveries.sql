-- Send a test (issue 11): a test delivery's log row is marked, so the dashboard's figures and the
-- sweep leave it out and the list can show or filter it; its draft settings wait in test_deliveries
-- (secrets included, never in Temporal history) until the test delivery has read them.
ALTER TABLE "log_index" ADD COLUMN "test" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE TABLE "test_deliveries" (
	"log_id" text PRIMARY KEY NOT NULL,
	"lab_id" integer NOT NULL,
	"config" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
