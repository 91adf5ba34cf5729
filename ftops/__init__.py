"""ftops: stand up Azure AI Foundry fine-tuning environments and run fine-tunes on them."""

__version__ = "0.1.0"
