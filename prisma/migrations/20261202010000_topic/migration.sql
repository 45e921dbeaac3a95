-- What the person wants to talk about, when they said (a category, never what happened).
ALTER TABLE "Intake" ADD COLUMN "topic" TEXT;
