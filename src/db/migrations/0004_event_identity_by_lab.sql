-- Event identity is scoped by lab (SPEC §4.1): the outbox is unique per (lab_id, event_id).
-- Existing rows take their lab from the event they hold (validated when written, so labId is there).
ALTER TABLE "event_outbox" ADD COLUMN "lab_id" integer;--> statement-breakpoint
UPDATE "event_outbox" SET "lab_id" = ("event"->>'labId')::integer WHERE "lab_id" IS NULL;--> statement-breakpoint
ALTER TABLE "event_outbox" ALTER COLUMN "lab_id" SET NOT NULL;--> statement-breakpoint
DROP INDEX "event_outbox_event_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "event_outbox_lab_event_idx" ON "event_outbox" USING btree ("lab_id","event_id");--> statement-breakpoint
-- Bills and reports may belong to one of the lab's organisations (org-scoped partner keys see only theirs).
ALTER TABLE "bills" ADD COLUMN "org_id" integer;--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "org_id" integer;--> statement-breakpoint
ALTER TABLE "bills" ADD CONSTRAINT "bills_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;
