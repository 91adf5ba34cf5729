"""The Pulumi program that stands up an ftops fine-tuning environment."""
