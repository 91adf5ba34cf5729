"""`ftops eval`: base vs fine-tuned vs checkpoints on the Azure OpenAI Evals API."""
