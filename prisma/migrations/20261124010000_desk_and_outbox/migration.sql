-- CreateTable
CREATE TABLE "Staff" (
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
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "StaffSession" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "staffId" TEXT NOT NULL,
    "csrfToken" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    CONSTRAINT "StaffSession_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Handoff" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "intakeId" TEXT NOT NULL,
    "adapter" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "deliveredAt" DATETIME,
    CONSTRAINT "Handoff_intakeId_fkey" FOREIGN KEY ("intakeId") REFERENCES "Intake" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "channel" TEXT NOT NULL,
    "sealedRecipient" TEXT NOT NULL,
    "recipientNonce" TEXT NOT NULL,
    "sealedBody" TEXT NOT NULL,
    "bodyNonce" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "DeliveryStat" (
    "day" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("day", "channel", "status")
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Intake" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "reference" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "queue" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "callerGender" TEXT NOT NULL,
    "timeWindow" TEXT NOT NULL,
    "cover" TEXT NOT NULL,
    "sessionHash" TEXT NOT NULL,
    "requesterHash" TEXT NOT NULL,
    "contactHash" TEXT,
    "sealedContact" TEXT,
    "contactNonce" TEXT,
    "contactKeyId" TEXT,
    "contactDestroyedAt" DATETIME,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "endedAt" DATETIME,
    "claimedById" TEXT,
    "claimedAt" DATETIME,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastOutcome" TEXT,
    "firstCallAt" DATETIME,
    "closeReason" TEXT,
    "handedOffAt" DATETIME,
    CONSTRAINT "Intake_claimedById_fkey" FOREIGN KEY ("claimedById") REFERENCES "Staff" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Intake" ("id", "reference", "status", "queue", "channel", "subject", "language", "callerGender", "timeWindow", "cover", "sessionHash", "requesterHash", "contactHash", "sealedContact", "contactNonce", "contactKeyId", "contactDestroyedAt", "createdAt", "updatedAt", "expiresAt", "endedAt") SELECT "id", "reference", "status", "queue", "channel", "subject", "language", "callerGender", "timeWindow", "cover", "sessionHash", "requesterHash", "contactHash", "sealedContact", "contactNonce", "contactKeyId", "contactDestroyedAt", "createdAt", "updatedAt", "expiresAt", "endedAt" FROM "Intake";
DROP TABLE "Intake";
ALTER TABLE "new_Intake" RENAME TO "Intake";
CREATE UNIQUE INDEX "Intake_reference_key" ON "Intake"("reference");
CREATE UNIQUE INDEX "Intake_sessionHash_key" ON "Intake"("sessionHash");
CREATE INDEX "Intake_status_queue_idx" ON "Intake"("status", "queue");
CREATE INDEX "Intake_requesterHash_status_idx" ON "Intake"("requesterHash", "status");
CREATE INDEX "Intake_contactHash_status_idx" ON "Intake"("contactHash", "status");
CREATE INDEX "Intake_status_expiresAt_idx" ON "Intake"("status", "expiresAt");
CREATE INDEX "Intake_claimedById_status_idx" ON "Intake"("claimedById", "status");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "Staff_tokenHash_key" ON "Staff"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Staff_telegramIdHash_key" ON "Staff"("telegramIdHash");

-- CreateIndex
CREATE UNIQUE INDEX "Staff_linkCodeHash_key" ON "Staff"("linkCodeHash");

-- CreateIndex
CREATE INDEX "StaffSession_staffId_idx" ON "StaffSession"("staffId");

-- CreateIndex
CREATE INDEX "StaffSession_expiresAt_idx" ON "StaffSession"("expiresAt");

-- CreateIndex
CREATE INDEX "Handoff_status_nextAttemptAt_idx" ON "Handoff"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "OutboxMessage_nextAttemptAt_idx" ON "OutboxMessage"("nextAttemptAt");
