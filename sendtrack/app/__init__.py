"""The use cases between the CLI and storage/rules: recording, check, import/export, batch work, sample."""
