CREATE TYPE "public"."webhook_delivery_status" AS ENUM('delivered', 'failed');--> statement-breakpoint
CREATE TABLE "webhook_subscribers" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"url" text NOT NULL,
	"secret" text NOT NULL,
	"event_types" text[] NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"description" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_subscribers_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "webhook_subscribers_url_http" CHECK ("webhook_subscribers"."url" ~ '^https?://'),
	CONSTRAINT "webhook_subscribers_secret_length" CHECK (length("webhook_subscribers"."secret") >= 32),
	CONSTRAINT "webhook_subscribers_event_types_present" CHECK (cardinality("webhook_subscribers"."event_types") >= 1)
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"subscriber_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"status" "webhook_delivery_status" NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"last_status_code" integer,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "event_outbox" ADD COLUMN "xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_subscribers" ADD CONSTRAINT "webhook_subscribers_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_subscriber_fkey" FOREIGN KEY ("tenant_id","subscriber_id") REFERENCES "public"."webhook_subscribers"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_fkey" FOREIGN KEY ("tenant_id","event_id") REFERENCES "public"."event_outbox"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_subscribers_active_idx" ON "webhook_subscribers" USING btree ("tenant_id","active");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_subscriber_event_key" ON "webhook_deliveries" USING btree ("tenant_id","subscriber_id","event_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_event_idx" ON "webhook_deliveries" USING btree ("tenant_id","event_id");--> statement-breakpoint
CREATE INDEX "event_outbox_due_idx" ON "event_outbox" USING btree ("seq") WHERE "event_outbox"."status" in ('pending', 'processing');--> statement-breakpoint
CREATE INDEX "event_outbox_open_aggregate_idx" ON "event_outbox" USING btree ("tenant_id","aggregate_id","seq") WHERE "event_outbox"."status" <> 'done';