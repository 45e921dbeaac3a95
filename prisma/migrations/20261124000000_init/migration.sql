-- CreateTable
CREATE TABLE "Intake" (
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
    "endedAt" DATETIME
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "intakeId" TEXT,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "detail" TEXT,
    "at" DATETIME NOT NULL,
    CONSTRAINT "AuditEvent_intakeId_fkey" FOREIGN KEY ("intakeId") REFERENCES "Intake" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Region" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "sortOrder" INTEGER NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "Service" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "category" TEXT NOT NULL,
    "regionId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "landmark" TEXT NOT NULL,
    "hours" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "free" BOOLEAN NOT NULL,
    "confidential" BOOLEAN NOT NULL,
    "childFriendly" BOOLEAN NOT NULL DEFAULT false,
    "womenStaff" BOOLEAN NOT NULL DEFAULT false,
    "languages" TEXT NOT NULL DEFAULT 'fr',
    "demo" BOOLEAN NOT NULL DEFAULT false,
    "verifiedAt" DATETIME NOT NULL,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "Service_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "Intake_reference_key" ON "Intake"("reference");

-- CreateIndex
CREATE UNIQUE INDEX "Intake_sessionHash_key" ON "Intake"("sessionHash");

-- CreateIndex
CREATE INDEX "Intake_status_queue_idx" ON "Intake"("status", "queue");

-- CreateIndex
CREATE INDEX "Intake_requesterHash_status_idx" ON "Intake"("requesterHash", "status");

-- CreateIndex
CREATE INDEX "Intake_contactHash_status_idx" ON "Intake"("contactHash", "status");

-- CreateIndex
CREATE INDEX "Intake_status_expiresAt_idx" ON "Intake"("status", "expiresAt");

-- CreateIndex
CREATE INDEX "AuditEvent_intakeId_idx" ON "AuditEvent"("intakeId");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE INDEX "Service_category_regionId_idx" ON "Service"("category", "regionId");

