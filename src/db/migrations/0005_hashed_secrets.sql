-- Auth keys are kept as a SHA-256 and a short visible prefix (issue 10): a dump or a replica of the
-- table signs no partner in. Keys issued before keep working: a partner's key hashes to the stored value.
-- auth_key is emptied before it is dropped, so the rows' live versions no longer carry it
-- (DROP COLUMN only hides a column; the dead versions go with the next vacuum).
ALTER TABLE "developer_authentication" ADD COLUMN "auth_key_hash" text;--> statement-breakpoint
ALTER TABLE "developer_authentication" ADD COLUMN "auth_key_prefix" text;--> statement-breakpoint
ALTER TABLE "developer_authentication" ALTER COLUMN "auth_key" DROP NOT NULL;--> statement-breakpoint
UPDATE "developer_authentication" SET
  "auth_key_hash" = encode(sha256(convert_to("auth_key", 'UTF8')), 'hex'),
  -- Generated keys are 35 characters: their first 12 name them; a shorter, hand-made key shows a quarter of itself at most.
  "auth_key_prefix" = left("auth_key", CASE WHEN length("auth_key") >= 32 THEN 12 ELSE length("auth_key") / 4 END),
  "auth_key" = NULL;--> statement-breakpoint
ALTER TABLE "developer_authentication" ALTER COLUMN "auth_key_hash" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "developer_authentication" ALTER COLUMN "auth_key_prefix" SET NOT NULL;--> statement-breakpoint
DROP INDEX "developer_authentication_auth_key_idx";--> statement-breakpoint
ALTER TABLE "developer_authentication" DROP COLUMN "auth_key";--> statement-breakpoint
CREATE UNIQUE INDEX "developer_authentication_auth_key_hash_idx" ON "developer_authentication" USING btree ("auth_key_hash");
