"""Every boto3 call lives here; no Textual, no questionary."""
