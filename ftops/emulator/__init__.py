"""A local, spec-checked emulator of the Azure APIs ftops uses (ARM + Azure OpenAI data plane)."""
