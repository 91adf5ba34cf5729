"""The client layer for every Azure call ftops makes: transport, auth, ARM and the Azure OpenAI data plane."""
