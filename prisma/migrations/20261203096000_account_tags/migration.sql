-- Account tags (docs/access-as-code.md): labels access tests and rules select accounts by.
ALTER TABLE "aws_accounts" ADD COLUMN "tags" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
