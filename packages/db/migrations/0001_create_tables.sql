CREATE TYPE "public"."audit_action" AS ENUM('insert', 'update', 'delete');--> statement-breakpoint
CREATE TYPE "public"."conflict_kind" AS ENUM('tape_document', 'document_document');--> statement-breakpoint
CREATE TYPE "public"."conflict_status" AS ENUM('open', 'resolved', 'waived');--> statement-breakpoint
CREATE TYPE "public"."datapoint_source" AS ENUM('extraction', 'tape', 'manual');--> statement-breakpoint
CREATE TYPE "public"."defect_status" AS ENUM('open', 'closed');--> statement-breakpoint
CREATE TYPE "public"."document_status" AS ENUM('pending', 'extracted', 'needs_ocr', 'failed');--> statement-breakpoint
CREATE TYPE "public"."extractor_kind" AS ENUM('deterministic', 'model');--> statement-breakpoint
CREATE TYPE "public"."import_format" AS ENUM('hmda', 'csv');--> statement-breakpoint
CREATE TYPE "public"."import_status" AS ENUM('pending', 'processing', 'completed', 'failed');--> statement-breakpoint
CREATE TYPE "public"."outbox_status" AS ENUM('pending', 'processing', 'done', 'dead');--> statement-breakpoint
CREATE TYPE "public"."rule_severity" AS ENUM('info', 'warning', 'critical');--> statement-breakpoint
CREATE TYPE "public"."rule_status" AS ENUM('active', 'retired');--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "imports" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"format" "import_format" NOT NULL,
	"file_name" text NOT NULL,
	"file_sha256" text NOT NULL,
	"file_size_bytes" bigint NOT NULL,
	"storage_key" text NOT NULL,
	"status" "import_status" DEFAULT 'pending' NOT NULL,
	"row_count" integer,
	"loan_count" integer,
	"datapoint_count" integer,
	"error_count" integer,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	CONSTRAINT "imports_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "imports_file_sha256_hex" CHECK ("imports"."file_sha256" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "imports_file_size_nonnegative" CHECK ("imports"."file_size_bytes" >= 0)
);
--> statement-breakpoint
CREATE TABLE "import_errors" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"import_id" uuid NOT NULL,
	"row_number" integer NOT NULL,
	"column_name" text,
	"value" text,
	"code" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "import_errors_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "import_errors_row_number_positive" CHECK ("import_errors"."row_number" >= 1)
);
--> statement-breakpoint
CREATE TABLE "import_mappings" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"import_id" uuid NOT NULL,
	"source_column" text NOT NULL,
	"field_key" text NOT NULL,
	"position" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "import_mappings_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "import_mappings_position_nonnegative" CHECK ("import_mappings"."position" >= 0)
);
--> statement-breakpoint
CREATE TABLE "loan_candidates" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"loan_number" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "loan_candidates_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "loan_documents" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"loan_id" uuid NOT NULL,
	"file_name" text NOT NULL,
	"content_sha256" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"page_count" integer,
	"document_type" text DEFAULT 'unknown' NOT NULL,
	"storage_key" text NOT NULL,
	"status" "document_status" DEFAULT 'pending' NOT NULL,
	"last_error" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"extracted_at" timestamp with time zone,
	CONSTRAINT "loan_documents_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "loan_documents_sha256_hex" CHECK ("loan_documents"."content_sha256" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "loan_documents_size_positive" CHECK ("loan_documents"."size_bytes" > 0),
	CONSTRAINT "loan_documents_page_count_positive" CHECK ("loan_documents"."page_count" >= 1)
);
--> statement-breakpoint
CREATE TABLE "loan_datapoints" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"loan_id" uuid NOT NULL,
	"key" text NOT NULL,
	"source" "datapoint_source" NOT NULL,
	"value" text NOT NULL,
	"value_number" numeric,
	"confidence" numeric(5, 4),
	"evidence_doc_id" uuid,
	"evidence_page" integer,
	"evidence_text_hash" text,
	"extractor_kind" "extractor_kind",
	"extractor_version" text,
	"prompt_version" text,
	"import_id" uuid,
	"import_row_number" integer,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "loan_datapoints_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "loan_datapoints_confidence_range" CHECK ("loan_datapoints"."confidence" between 0 and 1),
	CONSTRAINT "loan_datapoints_evidence_page_positive" CHECK ("loan_datapoints"."evidence_page" >= 1),
	CONSTRAINT "loan_datapoints_evidence_hash_hex" CHECK ("loan_datapoints"."evidence_text_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "loan_datapoints_extraction_lineage" CHECK ("loan_datapoints"."source" <> 'extraction' or (
        "loan_datapoints"."confidence" is not null
        and "loan_datapoints"."evidence_doc_id" is not null
        and "loan_datapoints"."evidence_page" is not null
        and "loan_datapoints"."evidence_text_hash" is not null
        and "loan_datapoints"."extractor_kind" is not null
        and "loan_datapoints"."extractor_version" is not null
      )),
	CONSTRAINT "loan_datapoints_prompt_version_model_only" CHECK (coalesce("loan_datapoints"."extractor_kind" = 'model', false) = ("loan_datapoints"."prompt_version" is not null)),
	CONSTRAINT "loan_datapoints_tape_lineage" CHECK ("loan_datapoints"."source" <> 'tape' or (
        "loan_datapoints"."import_id" is not null and "loan_datapoints"."import_row_number" is not null
      )),
	CONSTRAINT "loan_datapoints_manual_lineage" CHECK ("loan_datapoints"."source" <> 'manual' or "loan_datapoints"."created_by" is not null),
	CONSTRAINT "loan_datapoints_import_row_positive" CHECK ("loan_datapoints"."import_row_number" >= 1)
);
--> statement-breakpoint
CREATE TABLE "loan_conflicts" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"loan_id" uuid NOT NULL,
	"key" text NOT NULL,
	"kind" "conflict_kind" NOT NULL,
	"left_datapoint_id" uuid NOT NULL,
	"right_datapoint_id" uuid NOT NULL,
	"left_value" text NOT NULL,
	"right_value" text NOT NULL,
	"status" "conflict_status" DEFAULT 'open' NOT NULL,
	"resolution_reason" text,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "loan_conflicts_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "qc_rules" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"definition" jsonb NOT NULL,
	"severity" "rule_severity" NOT NULL,
	"message" text NOT NULL,
	"status" "rule_status" DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone,
	CONSTRAINT "qc_rules_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "qc_defects" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"loan_id" uuid NOT NULL,
	"rule_tenant_id" uuid NOT NULL,
	"rule_id" uuid NOT NULL,
	"status" "defect_status" DEFAULT 'open' NOT NULL,
	"severity" "rule_severity" NOT NULL,
	"message" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "qc_defects_pkey" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "qc_defects_rule_tenant" CHECK ("qc_defects"."rule_tenant_id" = "qc_defects"."tenant_id" or "qc_defects"."rule_tenant_id" = '00000000-0000-0000-0000-000000000000'::uuid)
);
--> statement-breakpoint
CREATE TABLE "audits" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"actor" text NOT NULL,
	"action" "audit_action" NOT NULL,
	"table_name" text NOT NULL,
	"row_id" uuid NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audits_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "event_outbox" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "event_outbox_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"type" text NOT NULL,
	"aggregate_type" text NOT NULL,
	"aggregate_id" uuid NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" "outbox_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"locked_by" text,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	CONSTRAINT "event_outbox_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "monitoring_events" (
	"tenant_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"value" double precision NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "monitoring_events_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_errors" ADD CONSTRAINT "import_errors_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_errors" ADD CONSTRAINT "import_errors_import_fkey" FOREIGN KEY ("tenant_id","import_id") REFERENCES "public"."imports"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_mappings" ADD CONSTRAINT "import_mappings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_mappings" ADD CONSTRAINT "import_mappings_import_fkey" FOREIGN KEY ("tenant_id","import_id") REFERENCES "public"."imports"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_candidates" ADD CONSTRAINT "loan_candidates_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_documents" ADD CONSTRAINT "loan_documents_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_documents" ADD CONSTRAINT "loan_documents_loan_fkey" FOREIGN KEY ("tenant_id","loan_id") REFERENCES "public"."loan_candidates"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_datapoints" ADD CONSTRAINT "loan_datapoints_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_datapoints" ADD CONSTRAINT "loan_datapoints_loan_fkey" FOREIGN KEY ("tenant_id","loan_id") REFERENCES "public"."loan_candidates"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_datapoints" ADD CONSTRAINT "loan_datapoints_evidence_doc_fkey" FOREIGN KEY ("tenant_id","evidence_doc_id") REFERENCES "public"."loan_documents"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_datapoints" ADD CONSTRAINT "loan_datapoints_import_fkey" FOREIGN KEY ("tenant_id","import_id") REFERENCES "public"."imports"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_conflicts" ADD CONSTRAINT "loan_conflicts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_conflicts" ADD CONSTRAINT "loan_conflicts_loan_fkey" FOREIGN KEY ("tenant_id","loan_id") REFERENCES "public"."loan_candidates"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_conflicts" ADD CONSTRAINT "loan_conflicts_left_datapoint_fkey" FOREIGN KEY ("tenant_id","left_datapoint_id") REFERENCES "public"."loan_datapoints"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_conflicts" ADD CONSTRAINT "loan_conflicts_right_datapoint_fkey" FOREIGN KEY ("tenant_id","right_datapoint_id") REFERENCES "public"."loan_datapoints"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qc_rules" ADD CONSTRAINT "qc_rules_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qc_defects" ADD CONSTRAINT "qc_defects_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qc_defects" ADD CONSTRAINT "qc_defects_loan_fkey" FOREIGN KEY ("tenant_id","loan_id") REFERENCES "public"."loan_candidates"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qc_defects" ADD CONSTRAINT "qc_defects_rule_fkey" FOREIGN KEY ("rule_tenant_id","rule_id") REFERENCES "public"."qc_rules"("tenant_id","id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audits" ADD CONSTRAINT "audits_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_outbox" ADD CONSTRAINT "event_outbox_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitoring_events" ADD CONSTRAINT "monitoring_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "import_errors_import_idx" ON "import_errors" USING btree ("tenant_id","import_id","row_number");--> statement-breakpoint
CREATE UNIQUE INDEX "import_mappings_import_field_key" ON "import_mappings" USING btree ("tenant_id","import_id","field_key");--> statement-breakpoint
CREATE UNIQUE INDEX "loan_candidates_loan_number_key" ON "loan_candidates" USING btree ("tenant_id","loan_number");--> statement-breakpoint
CREATE UNIQUE INDEX "loan_documents_loan_content_key" ON "loan_documents" USING btree ("tenant_id","loan_id","content_sha256");--> statement-breakpoint
CREATE INDEX "loan_datapoints_loan_key_idx" ON "loan_datapoints" USING btree ("tenant_id","loan_id","key");--> statement-breakpoint
CREATE INDEX "loan_datapoints_confidence_idx" ON "loan_datapoints" USING btree ("tenant_id","confidence");--> statement-breakpoint
CREATE INDEX "loan_datapoints_evidence_idx" ON "loan_datapoints" USING btree ("tenant_id","evidence_doc_id","evidence_page");--> statement-breakpoint
CREATE UNIQUE INDEX "loan_datapoints_import_row_key" ON "loan_datapoints" USING btree ("tenant_id","import_id","import_row_number","key") WHERE "loan_datapoints"."import_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "loan_datapoints_extraction_key" ON "loan_datapoints" USING btree ("tenant_id","evidence_doc_id","key","extractor_version") WHERE "loan_datapoints"."source" = 'extraction';--> statement-breakpoint
CREATE INDEX "loan_conflicts_loan_idx" ON "loan_conflicts" USING btree ("tenant_id","loan_id","status");--> statement-breakpoint
CREATE INDEX "loan_conflicts_left_datapoint_idx" ON "loan_conflicts" USING btree ("tenant_id","left_datapoint_id");--> statement-breakpoint
CREATE INDEX "loan_conflicts_right_datapoint_idx" ON "loan_conflicts" USING btree ("tenant_id","right_datapoint_id");--> statement-breakpoint
CREATE UNIQUE INDEX "loan_conflicts_open_key" ON "loan_conflicts" USING btree ("tenant_id","loan_id","key","kind") WHERE "loan_conflicts"."status" = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "qc_rules_code_key" ON "qc_rules" USING btree ("tenant_id","code");--> statement-breakpoint
CREATE INDEX "qc_defects_loan_idx" ON "qc_defects" USING btree ("tenant_id","loan_id","status");--> statement-breakpoint
CREATE INDEX "qc_defects_rule_idx" ON "qc_defects" USING btree ("rule_tenant_id","rule_id");--> statement-breakpoint
CREATE UNIQUE INDEX "qc_defects_open_key" ON "qc_defects" USING btree ("tenant_id","loan_id","rule_id") WHERE "qc_defects"."status" = 'open';--> statement-breakpoint
CREATE INDEX "audits_row_idx" ON "audits" USING btree ("tenant_id","table_name","row_id");--> statement-breakpoint
CREATE INDEX "event_outbox_claim_idx" ON "event_outbox" USING btree ("next_attempt_at","seq") WHERE "event_outbox"."status" in ('pending', 'processing');--> statement-breakpoint
CREATE INDEX "event_outbox_aggregate_idx" ON "event_outbox" USING btree ("tenant_id","aggregate_id","seq");--> statement-breakpoint
CREATE INDEX "monitoring_events_name_idx" ON "monitoring_events" USING btree ("tenant_id","name","recorded_at");