-- Consent to refer, the Primero hand-off (its passed-on number, its failure), supervision, stale claims and anonymous feedback.
-- AlterTable
ALTER TABLE "Intake" ADD COLUMN "consentRecordedAt" DATETIME;
ALTER TABLE "Intake" ADD COLUMN "consentServices" BOOLEAN;
ALTER TABLE "Intake" ADD COLUMN "consentShareNumber" BOOLEAN;
ALTER TABLE "Intake" ADD COLUMN "consentShareOrgs" BOOLEAN;
ALTER TABLE "Intake" ADD COLUMN "lastOutcomeAt" DATETIME;
ALTER TABLE "Intake" ADD COLUMN "staleAnnouncedAt" DATETIME;

-- AlterTable
ALTER TABLE "Handoff" ADD COLUMN "failedAt" DATETIME;
ALTER TABLE "Handoff" ADD COLUMN "lastError" TEXT;

-- CreateTable
CREATE TABLE "HandoffContact" (
    "handoffId" TEXT NOT NULL PRIMARY KEY,
    "sealedContact" TEXT NOT NULL,
    "contactNonce" TEXT NOT NULL,
    "contactKeyId" TEXT NOT NULL,
    "destroyBy" DATETIME NOT NULL,
    CONSTRAINT "HandoffContact_handoffId_fkey" FOREIGN KEY ("handoffId") REFERENCES "Handoff" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "FeedbackCount" (
    "week" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "question" TEXT NOT NULL,
    "answer" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("week", "channel", "question", "answer")
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Staff" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "queues" TEXT NOT NULL,
    "languages" TEXT NOT NULL,
    "gender" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "passwordHash" TEXT,
    "tokenHash" TEXT NOT NULL,
    "telegramIdHash" TEXT,
    "linkCodeHash" TEXT,
    "linkCodeExpiresAt" DATETIME,
    "supervisorId" TEXT,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Staff_supervisorId_fkey" FOREIGN KEY ("supervisorId") REFERENCES "Staff" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Staff" ("active", "createdAt", "gender", "id", "languages", "linkCodeExpiresAt", "linkCodeHash", "name", "passwordHash", "queues", "role", "telegramIdHash", "tokenHash", "updatedAt") SELECT "active", "createdAt", "gender", "id", "languages", "linkCodeExpiresAt", "linkCodeHash", "name", "passwordHash", "queues", "role", "telegramIdHash", "tokenHash", "updatedAt" FROM "Staff";
DROP TABLE "Staff";
ALTER TABLE "new_Staff" RENAME TO "Staff";
CREATE UNIQUE INDEX "Staff_tokenHash_key" ON "Staff"("tokenHash");
CREATE UNIQUE INDEX "Staff_telegramIdHash_key" ON "Staff"("telegramIdHash");
CREATE UNIQUE INDEX "Staff_linkCodeHash_key" ON "Staff"("linkCodeHash");
CREATE INDEX "Staff_supervisorId_idx" ON "Staff"("supervisorId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "HandoffContact_destroyBy_idx" ON "HandoffContact"("destroyBy");

