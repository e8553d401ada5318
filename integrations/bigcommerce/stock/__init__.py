"""Stock: the outbox and its push, order intake, manual edits and echoes, the stock check, starting stock."""
