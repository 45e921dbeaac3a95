-- The reference code becomes the person's alone: only its keyed hash is kept (the
-- server rehashes codes of earlier rows at start: SQL cannot compute the HMAC), and
-- staff see a label of letters that cancels nothing. An open request's sealed number and
-- lookup hashes live in OpenContact, only while the request is open. Attempts back the
-- limits that must hold across restarts and instances (wrong reference codes, logins).
-- The server VACUUMs after a migration: the old table's pages are rewritten away.
-- CreateTable
CREATE TABLE "OpenContact" (
    "intakeId" TEXT NOT NULL PRIMARY KEY,
    "sealedContact" TEXT NOT NULL,
    "contactNonce" TEXT NOT NULL,
    "contactKeyId" TEXT NOT NULL,
    "requesterHash" TEXT NOT NULL,
    "contactHash" TEXT NOT NULL,
    CONSTRAINT "OpenContact_intakeId_fkey" FOREIGN KEY ("intakeId") REFERENCES "Intake" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Attempt" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "at" DATETIME NOT NULL
);

-- The sealed numbers and lookup hashes of open requests move to OpenContact; ended
-- requests keep none (an ended request whose number was somehow kept loses it here).
INSERT INTO "OpenContact" ("intakeId", "sealedContact", "contactNonce", "contactKeyId", "requesterHash", "contactHash")
    SELECT "id", "sealedContact", "contactNonce", "contactKeyId", "requesterHash", "contactHash" FROM "Intake"
    WHERE "status" IN ('pending', 'claimed') AND "sealedContact" IS NOT NULL AND "contactNonce" IS NOT NULL AND "contactKeyId" IS NOT NULL AND "contactHash" IS NOT NULL;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Intake" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "referenceHash" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "queue" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "callerGender" TEXT NOT NULL,
    "timeWindow" TEXT NOT NULL,
    "cover" TEXT NOT NULL,
    "sessionHash" TEXT NOT NULL,
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
INSERT INTO "new_Intake" ("referenceHash", "label", "attempts", "callerGender", "channel", "claimedAt", "claimedById", "closeReason", "contactDestroyedAt", "cover", "createdAt", "endedAt", "expiresAt", "firstCallAt", "handedOffAt", "id", "language", "lastOutcome", "queue", "sessionHash", "status", "subject", "timeWindow", "updatedAt") SELECT "reference", 'OLD-' || upper(substr("id", 1, 8)), "attempts", "callerGender", "channel", "claimedAt", "claimedById", "closeReason", "contactDestroyedAt", "cover", "createdAt", "endedAt", "expiresAt", "firstCallAt", "handedOffAt", "id", "language", "lastOutcome", "queue", "sessionHash", "status", "subject", "timeWindow", "updatedAt" FROM "Intake";
DROP TABLE "Intake";
ALTER TABLE "new_Intake" RENAME TO "Intake";
CREATE UNIQUE INDEX "Intake_referenceHash_key" ON "Intake"("referenceHash");
CREATE UNIQUE INDEX "Intake_label_key" ON "Intake"("label");
CREATE UNIQUE INDEX "Intake_sessionHash_key" ON "Intake"("sessionHash");
CREATE INDEX "Intake_status_queue_idx" ON "Intake"("status", "queue");
CREATE INDEX "Intake_status_expiresAt_idx" ON "Intake"("status", "expiresAt");
CREATE INDEX "Intake_claimedById_status_idx" ON "Intake"("claimedById", "status");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "OpenContact_requesterHash_idx" ON "OpenContact"("requesterHash");

-- CreateIndex
CREATE INDEX "OpenContact_contactHash_idx" ON "OpenContact"("contactHash");

-- CreateIndex
CREATE INDEX "Attempt_scope_at_idx" ON "Attempt"("scope", "at");

-- CreateIndex
CREATE INDEX "Attempt_scope_key_at_idx" ON "Attempt"("scope", "key", "at");

