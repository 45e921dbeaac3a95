-- Consent to refer, the Primero hand-off (its passed-on number, its failure), supervision, stale claims and anonymous feedback.
-- AlterTable
ALTER TABLE "Intake" ADD COLUMN "consentRecordedAt" TIMESTAMP(3),
ADD COLUMN "consentServices" BOOLEAN,
ADD COLUMN "consentShareNumber" BOOLEAN,
ADD COLUMN "consentShareOrgs" BOOLEAN,
ADD COLUMN "lastOutcomeAt" TIMESTAMP(3),
ADD COLUMN "staleAnnouncedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Handoff" ADD COLUMN "failedAt" TIMESTAMP(3),
ADD COLUMN "lastError" TEXT;

-- AlterTable
ALTER TABLE "Staff" ADD COLUMN "supervisorId" TEXT;

-- CreateTable
CREATE TABLE "HandoffContact" (
    "handoffId" TEXT NOT NULL,
    "sealedContact" TEXT NOT NULL,
    "contactNonce" TEXT NOT NULL,
    "contactKeyId" TEXT NOT NULL,
    "destroyBy" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HandoffContact_pkey" PRIMARY KEY ("handoffId")
);

-- CreateTable
CREATE TABLE "FeedbackCount" (
    "week" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "question" TEXT NOT NULL,
    "answer" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "FeedbackCount_pkey" PRIMARY KEY ("week","channel","question","answer")
);

-- CreateIndex
CREATE INDEX "HandoffContact_destroyBy_idx" ON "HandoffContact"("destroyBy");

-- CreateIndex
CREATE INDEX "Staff_supervisorId_idx" ON "Staff"("supervisorId");

-- AddForeignKey
ALTER TABLE "HandoffContact" ADD CONSTRAINT "HandoffContact_handoffId_fkey" FOREIGN KEY ("handoffId") REFERENCES "Handoff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Staff" ADD CONSTRAINT "Staff_supervisorId_fkey" FOREIGN KEY ("supervisorId") REFERENCES "Staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- The passed-on number stays out of the planner's statistics, like OpenContact's.
ALTER TABLE "HandoffContact" ALTER COLUMN "sealedContact" SET STATISTICS 0, ALTER COLUMN "contactNonce" SET STATISTICS 0;
