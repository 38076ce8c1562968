-- Makes the database check that an extraction datapoint's evidence document
-- belongs to the datapoint's loan: loan_documents gains a unique
-- (tenant_id, loan_id, id), and the evidence foreign key of loan_datapoints
-- now covers (tenant_id, loan_id, evidence_doc_id).
-- Safe while the applications run: it rejects only datapoints whose
-- evidence is another loan's document. It fails on a database that already
-- holds such rows; delete or correct them first.
-- Proven by packages/evidence/src/documents/evidence-loan.test.ts.
ALTER TABLE "loan_documents" ADD CONSTRAINT "loan_documents_loan_document_key" UNIQUE("tenant_id","loan_id","id");--> statement-breakpoint
ALTER TABLE "loan_datapoints" DROP CONSTRAINT "loan_datapoints_evidence_doc_fkey";--> statement-breakpoint
ALTER TABLE "loan_datapoints" ADD CONSTRAINT "loan_datapoints_evidence_doc_fkey" FOREIGN KEY ("tenant_id","loan_id","evidence_doc_id") REFERENCES "public"."loan_documents"("tenant_id","loan_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "loan_datapoints_loan_evidence_idx" ON "loan_datapoints" USING btree ("tenant_id","loan_id","evidence_doc_id");
