"""Credentials for ARM and the Azure OpenAI data plane.

Order of precedence (documented in docs/emulator.md):
1. ``FTOPS_AZURE_TOKEN``: a fixed bearer token, used for every scope (CI, the emulator).
2. ``FTOPS_AZURE_OPENAI_KEY``: an ``api-key`` for the data plane only.
3. With ``FTOPS_AZURE_EMULATOR`` set and neither of the above: a placeholder token (the emulator accepts any).
4. Otherwise azure-identity's ``DefaultAzureCredential`` (az login, managed identity, environment...).
Tokens and keys are only ever put in request headers; they never appear in logs or errors.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from ftops.azure.sanitize import register_secret
from ftops.azure.settings import OPENAI_KEY_ENV, TOKEN_ENV, AzureSettings
from ftops.errors import AzureRefusedError

EMULATOR_TOKEN = "ftops-emulator-token"  # sent to the emulator when no token is configured; not a secret


SIGN_IN = "not signed in to Azure: run `az login` (or set AZURE_* for a service principal)"


class NotSignedInError(AzureRefusedError):
    """No credential could give a token: one line, exit 3, said once (a sweep stops instead of repeating it)."""

    kind = "not_signed_in"


class TokenCredential(Protocol):
    """What azure-identity credentials offer: ``get_token(scope).token`` / ``.expires_on``."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_on: int


class StaticTokenCredential:
    """A fixed bearer token for every scope (CI, the emulator)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)

    def __repr__(self) -> str:  # never show the token
        return "StaticTokenCredential(***)"


def default_credential(settings: AzureSettings, environ: Mapping[str, str] | None = None) -> TokenCredential:
    """The credential ftops uses unless a caller passes one."""
    env = os.environ if environ is None else environ
    if token := env.get(TOKEN_ENV):
        return StaticTokenCredential(token)
    if settings.emulator:
        return StaticTokenCredential(EMULATOR_TOKEN)
    import logging

    from azure.identity import DefaultAzureCredential

    # azure-identity logs a many-line block per failed attempt (one per region in a sweep); ftops says
    # "not signed in" once instead (NotSignedInError). --debug turns the ftops.azure logger up, not this one.
    logging.getLogger("azure.identity").setLevel(logging.CRITICAL)
    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer`` for one scope, refreshing the token a few minutes before it expires."""

    def __init__(self, credential: TokenCredential, scope: str) -> None:
        self._credential = credential
        self._scope = scope
        self._token: Any = None
        self._failed: NotSignedInError | None = None  # a failed sign-in is not retried per request or region
        self._lock = threading.Lock()

    def _bearer(self) -> str:
        with self._lock:
            if self._failed is not None:
                raise self._failed
            if self._token is None or self._token.expires_on - 300 < time.time():
                try:
                    self._token = _fetch_token(self._credential, self._scope)
                except NotSignedInError as error:
                    self._failed = error
                    raise
                register_secret(self._token.token)  # scrubbed verbatim from anything printed later
            return self._token.token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._bearer()}"
        yield request

    def __repr__(self) -> str:
        return f"BearerAuth(scope={self._scope!r})"


class ApiKeyAuth(httpx.Auth):
    """Adds the Azure OpenAI ``api-key`` header."""

    def __init__(self, key: str) -> None:
        self._key = key
        register_secret(key)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["api-key"] = self._key
        yield request

    def __repr__(self) -> str:
        return "ApiKeyAuth(***)"


def _fetch_token(credential: TokenCredential, scope: str) -> Any:
    try:
        return credential.get_token(scope)
    except Exception as exc:  # azure-identity raises several unrelated types; all mean "no usable login"
        # azure-identity's text is many lines (one per credential it tried) and can carry tenant ids: only the
        # exception type is kept, for --debug.
        raise NotSignedInError(
            SIGN_IN,
            hint=f"or set {TOKEN_ENV} (CI), or point ftops at the emulator with FTOPS_AZURE_EMULATOR",
            code=f"AuthenticationFailed ({type(exc).__name__})",
        ) from None


def data_plane_auth(
    settings: AzureSettings,
    credential: TokenCredential | None = None,
    api_key: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> httpx.Auth:
    """Auth for the Azure OpenAI data plane: an explicit key, a given credential, the key setting, or the default."""
    from ftops.azure.settings import COGNITIVE_SCOPE

    env = os.environ if environ is None else environ
    if api_key:
        return ApiKeyAuth(api_key)
    if credential is not None:
        return BearerAuth(credential, COGNITIVE_SCOPE)
    if (key := env.get(OPENAI_KEY_ENV)) and not env.get(TOKEN_ENV):
        return ApiKeyAuth(key)
    return BearerAuth(default_credential(settings, env), COGNITIVE_SCOPE)


def arm_auth(settings: AzureSettings, credential: TokenCredential | None = None) -> httpx.Auth:
    """Auth for Azure Resource Manager."""
    from ftops.azure.settings import ARM_SCOPE

    return BearerAuth(credential or default_credential(settings), ARM_SCOPE)
