-- Lab-scoped users (issue 10): a user with rows here sees and acts on those labs only; a user
-- without any row sees every lab, as every user did before, so existing users and the first
-- admin keep working. Admins are never limited (src/auth/lab-scope.ts). A lab that users are
-- limited to cannot be deleted: removing the rows would widen those users to every lab.
CREATE TABLE "user_labs" (
	"user_id" integer NOT NULL,
	"lab_id" integer NOT NULL,
	CONSTRAINT "user_labs_user_id_lab_id_pk" PRIMARY KEY("user_id","lab_id")
);
--> statement-breakpoint
ALTER TABLE "user_labs" ADD CONSTRAINT "user_labs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_labs" ADD CONSTRAINT "user_labs_lab_id_labs_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."labs"("id") ON DELETE no action ON UPDATE no action;
