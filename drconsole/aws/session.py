"""AWS access: one session per identity, shared clients, member accounts, the read-only guard.

Credentials resolve as the AWS CLI resolves them (boto3's chain: `--profile`/`AWS_PROFILE`,
SSO, environment variables, instance roles), from static credentials (the sandbox), or from the
break-glass credentials named by `--break-glass` (the OS keyring; see break_glass.py). Member
accounts are reached by assuming `role_name` in each (credentials cached and refreshed before
they expire), or through the profiles listed in `member_profiles`. Clients are created once per
(identity, service, Region) and shared by every thread: boto3 clients are thread-safe, sessions
are not, so creation happens under a lock. Assumed-role accounts share one client per service
and Region, each call signed with its account's credentials (shared_clients.py). Each client's
endpoint is resolved per service as the AWS CLI resolves it (endpoints.py).
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import DeferredRefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

from drconsole.aws import mfa_prompt, process_credentials, signing_secrets
from drconsole.aws.caller_identity import CallerIdentity, FirstAnsweringSts
from drconsole.aws.config_errors import where_set
from drconsole.aws.credential_errors import (
    CredentialErrors,
    credential_file_error,
    resolve_credentials,
)
from drconsole.aws.endpoints import configured_endpoint
from drconsole.aws.fastparse import utc_parser_factory
from drconsole.aws.model_loader import shared_loader
from drconsole.aws.pacing import FOREGROUND
from drconsole.aws.readonly import install_read_only_guard
from drconsole.aws.refused_roles import RefusedRoles
from drconsole.aws.region_health import RegionHealth
from drconsole.aws.role_credentials import role_credentials
from drconsole.aws.shared_clients import (
    AccountClient,
    AccountCredentials,
    prepare_shared,
    retry_state,
)
from drconsole.config import Settings
from drconsole.errors import ConfigurationError
from drconsole.partitions import iam_role
from drconsole.redact import without_userinfo

# Fit for an incident: fail fast on a dead endpoint, ride out throttling with adaptive retries.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 30
# The first call to an endpoint (the caller identity) tries at most twice with a short connect
# timeout: a dead endpoint is reported in seconds, not after every adaptive retry is spent.
FIRST_CONTACT_ATTEMPTS = 2
FIRST_CONTACT_CONNECT_TIMEOUT_SECONDS = 2

# An identity: ("caller",), ("profile", name) or ("role", account id).
Identity = tuple[str, ...]
CALLER: Identity = ("caller",)
SHARED: Identity = ("shared",)  # the clients that assumed-role accounts share


class AwsSessions(CallerIdentity, CredentialErrors):
    """Sessions and clients for every identity drconsole uses; safe to share across threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._count_lock = threading.Lock()
        # boto3 sessions for the caller and member profiles; botocore sessions for roles.
        self._sessions: dict[Identity, Any] = {}
        self._template: botocore.session.Session | None = None
        self._clients: dict[tuple[Identity, str, str], Any] = {}
        self._caller: dict[str, str] | None = None
        self._caller_recognized_at = float("-inf")  # monotonic time of the last check
        self._sts_region: str | None = None
        self._partition_refusal: str | None = None
        self._recheck_lock = threading.Lock()
        self._profile_accounts: dict[str, str] | None = None
        # "service:Operation" -> HTTP requests sent (retries included); for benchmarks.
        self.requests_sent: Counter[str] = Counter()
        self._config = Config(
            retries={"mode": "adaptive", "total_max_attempts": settings.retry_max_attempts},
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            max_pool_connections=max(10, settings.max_workers),
            user_agent_extra="drconsole",
        )
        # The shared clients of assumed-role accounts: legacy retries, whose stateless handler
        # is replaced by each account's own standard and adaptive retries (shared_clients.py);
        # enough connections for every worker of every screen using one of them at once.
        self._max_attempts = settings.retry_max_attempts
        self._role_creds: dict[str, DeferredRefreshableCredentials] = {}
        # Roles AWS refused for good: not asked again by each of the account's reads.
        self.refused_roles = RefusedRoles()
        # Services and Regions that could not be reached: not waited for again by each call.
        self.region_health = RegionHealth()
        self._shared_config = self._config.merge(
            Config(
                retries={"mode": "legacy", "total_max_attempts": settings.retry_max_attempts},
                max_pool_connections=max(10, 4 * settings.max_workers),
            )
        )
        self._first_contact_config = self._config.merge(
            Config(
                retries={"mode": "adaptive", "total_max_attempts": FIRST_CONTACT_ATTEMPTS},
                connect_timeout=FIRST_CONTACT_CONNECT_TIMEOUT_SECONDS,
            )
        )
        self._base = self._new_base_session()
        self._sessions[CALLER] = self._base
        self._base._session.register_component("response_parser_factory", utc_parser_factory())
        # Every identity shares one model loader: service models are parsed once per process.
        self._loader = shared_loader(self._base._session)

    @property
    def read_only(self) -> bool:
        """True when every non-read operation is refused."""
        return self.settings.read_only

    def _guarded(self, identity: Identity) -> bool:
        """True when clients of `identity` carry the read-only guard: read-only mode, or a
        member profile whose [profiles.NAME] section says read_only = true."""
        if self.settings.read_only:
            return True
        return identity[0] == "profile" and identity[1] in self.settings.read_only_profiles

    # Sessions -----------------------------------------------------------------------------

    def _new_base_session(self) -> boto3.Session:
        """The caller's session: static credentials, or the AWS CLI chain for the profile."""
        region = self.settings.home_region
        session = self._caller_session(region)
        signing_secrets.install(session)
        return session

    def _caller_session(self, region: str) -> boto3.Session:
        if self.settings.break_glass is not None:
            from drconsole.aws import break_glass

            return break_glass.base_session(
                self.settings.break_glass,
                region,
                # Its temporary sessions are kept per STS endpoint: a default-profile session
                # resolves it as the break-glass session will.
                self._endpoint_of(botocore.session.Session(), "sts"),
                self._credential_provider_sts,
            )
        creds = self.settings.static_credentials
        if creds is not None:
            return boto3.Session(
                aws_access_key_id=creds.access_key_id,
                aws_secret_access_key=creds.secret_access_key,
                aws_session_token=creds.session_token,
                region_name=region,
            )
        profile = self.settings.profile
        session: boto3.Session | None = None
        try:
            if self.settings.profile_env_var is not None:
                # Chosen by AWS_PROFILE or AWS_DEFAULT_PROFILE: botocore resolves it itself, so
                # that environment credentials keep their place in its chain, as in the AWS CLI.
                session = boto3.Session(region_name=region)
                if session._session.get_config_variable("profile") != profile:
                    session = None
            if session is None:
                # The profile whose settings (read_only above all) drconsole applied, no other.
                session = boto3.Session(profile_name=profile, region_name=region)
            mfa_prompt.install(session)
            process_credentials.install(session)
            return session
        except ProfileNotFound:
            where = (
                f" (from {self.settings.profile_env_var})" if self.settings.profile_env_var else ""
            )
            raise ConfigurationError(
                f"AWS profile '{profile}'{where} not found in the AWS config files"
            ) from None

    def ask_mfa_codes(self, profiles: list[str]) -> None:
        """Assume now the roles of `profiles` (those that ask for an MFA code: the caller's and
        member profiles), so that each code is typed on the terminal before the console draws."""
        for profile in profiles:
            is_caller = profile == (self.settings.profile or "default")
            session = self._base if is_caller else self._session_for(("profile", profile))
            try:
                resolve_credentials(session)
            except (ClientError, BotoCoreError) as exc:
                raise self.error_for(exc, profile=None if is_caller else profile) from None

    def _credential_provider_sts(self, session: boto3.Session) -> Any:
        """An STS client that obtains the caller's own credentials (GetSessionToken): like
        botocore's credential providers, it carries no read-only guard (see break_glass.py)."""
        # The caller's own STS Regions, in turn while one does not answer (GetSessionToken
        # comes before any other call; in an outage AWS_REGION's is often down).

        def in_region(region: str) -> Any:
            client = self._create_client(session, "sts", region, self._first_contact_config)
            client.meta.events.register("before-send.*.*", self._count_request)
            return client

        return FirstAnsweringSts(in_region, self.sts_regions())

    def _share_loader(self, core: botocore.session.Session) -> None:
        core.register_component("data_loader", self._loader)
        core.register_component("response_parser_factory", utc_parser_factory())

    def _profile_session(self, profile: str) -> boto3.Session:
        try:
            session = boto3.Session(profile_name=profile, region_name=self.settings.home_region)
        except ProfileNotFound:
            raise ConfigurationError(
                f"member profile '{profile}' (member_profiles in the config) not found "
                "in the AWS config files"
            ) from None
        self._share_loader(session._session)
        mfa_prompt.install(session)
        process_credentials.install(session)
        signing_secrets.install(session)
        return session

    def _role_credentials(self, account_id: str) -> DeferredRefreshableCredentials:
        """Credentials from AssumeRole into `account_id`, assumed at first use and refreshed."""
        role_arn = iam_role(account_id, self.settings.role_name, self.partition())
        return role_credentials(self, self._base, account_id, role_arn)

    def _shared_client(self, service: str, region: str) -> Any:
        """The client of `service` and `region` that every assumed-role account shares (made
        once, under the lock; see shared_clients.py)."""
        key = (SHARED, service, region)
        found = self._clients.get(key)
        if found is None:
            # A shallow copy of a prepared botocore session shares its event handlers, model
            # loader and endpoint data; its credentials are those of the account calling.
            core = copy.copy(self._role_template())
            # botocore has no public setter for a session's credentials object.
            core._credentials = AccountCredentials()
            found = self._create_client(core, service, region, self._shared_config)
            prepare_shared(found)
            if self.settings.read_only:
                install_read_only_guard(found)
            self._instrument(found)
            self._clients[key] = found
        return found

    def prepare_member_client(self, service: str, region: str) -> None:
        """Make the client the member accounts share for `service` in `region` now (loading
        its service model), instead of at the first member account's call."""
        with self._lock:
            self._shared_client(service, region)

    def _account_client(self, account_id: str, service: str, region: str) -> AccountClient:
        with self._lock:
            shared = self._shared_client(service, region)
            credentials = self._credentials_of(account_id)
        return AccountClient(shared, credentials, retry_state(shared, self._max_attempts))

    def _credentials_of(self, account_id: str) -> DeferredRefreshableCredentials:
        """The role credentials of `account_id` (made once, assumed at their first use)."""
        with self._lock:
            credentials = self._role_creds.get(account_id)
            if credentials is None:
                credentials = self._role_creds[account_id] = self._role_credentials(account_id)
        return credentials

    def assume_role_now(self, account_id: str) -> None:
        """Assume the role into `account_id` now, when the account is reached by a role (else
        nothing): the calls that follow find its credentials ready, where each would otherwise
        queue behind the first one's AssumeRole (botocore refreshes under a lock). Raises what
        AssumeRole raised; a later call tries again, unless AWS refused the role for good
        (refused_roles.py: for a short while it then raises the same refusal without a call)."""
        identity = self._identity_for(account_id)
        if identity[0] == "role":
            self._credentials_of(account_id).get_frozen_credentials()

    def _role_template(self) -> botocore.session.Session:
        """The botocore session that role sessions are copied from (made once).

        It reads the caller's profile, as the AWS CLI does for a role: the profile's settings
        in the AWS config (`endpoint_url`, `ca_bundle`...) hold in member accounts too.
        """
        if self._template is None:
            static = self.settings.static_credentials is not None
            template = botocore.session.Session(profile=None if static else self.settings.profile)
            self._share_loader(template)
            # Member accounts' credentials are secrets too, whatever shape the endpoint gives.
            signing_secrets.install(template)
            self._template = template
        return self._template

    def _identity_for(self, account_id: str | None) -> Identity:
        if account_id is None:
            return CALLER
        # Break-glass replaces every profile: members are reached by assuming the role.
        if self.settings.member_profiles and self.settings.break_glass is None:
            profile = self.member_profile_accounts().get(account_id)
            if profile is not None:
                return ("profile", profile)
        if account_id == self.caller_account_id():
            return CALLER
        return ("role", account_id)

    def _session_for(self, identity: Identity) -> Any:
        session = self._sessions.get(identity)
        if session is None:
            with self._lock:
                session = self._sessions.get(identity)
                if session is None:
                    session = self._profile_session(identity[1])
                    self._sessions[identity] = session
        return session

    # Clients ------------------------------------------------------------------------------

    def client(self, service: str, account_id: str | None = None, region: str | None = None) -> Any:
        """The shared client for `service` in `account_id` (None: the caller's) and `region`
        (None: the Region of the caller's global calls, for STS, Organizations and IAM)."""
        identity = self._identity_for(account_id)
        # Where the caller's STS answered, once it has; no call is made to find out.
        region = region or self._sts_region or self.sts_regions()[0]
        key = (identity, service, region)
        found = self._clients.get(key)
        if found is not None:
            return found
        if identity[0] == "role":
            found = self._account_client(identity[1], service, region)
            # One AccountClient per key at most is kept (a race makes a spare, dropped).
            return self._clients.setdefault(key, found)
        session = self._session_for(identity)
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                found = self._create_client(session, service, region, self._config)
                if self._guarded(identity):
                    install_read_only_guard(found)
                self._instrument(found)
                self._clients[key] = found
        return found

    def quick_client(self, service: str, account_id: str | None, region: str) -> Any:
        """A client of `service` whose calls try twice, with a short connect timeout (as the
        caller's first STS call): to ask whether an endpoint answers without waiting out every
        retry of an outage. Made at each call, not kept."""
        identity = self._identity_for(account_id)
        if identity[0] == "role":
            with self._lock:
                shared = self._shared_client(service, region)
                credentials = self._credentials_of(identity[1])
            return AccountClient(shared, credentials, retry_state(shared, FIRST_CONTACT_ATTEMPTS))
        session = self._session_for(identity)
        client = self._create_client(session, service, region, self._first_contact_config)
        if self._guarded(identity):
            install_read_only_guard(client)
        self._instrument(client)
        return client

    def _create_client(self, session: Any, service: str, region: str, config: Config) -> Any:
        """A new client; botocore's complaints about the endpoint URL are the user's input."""
        create = session.client if isinstance(session, boto3.Session) else session.create_client
        try:
            endpoint = self._endpoint_of(session, service)
            return create(service, region_name=region, endpoint_url=endpoint, config=config)
        except OSError as error:
            # botocore resolves the credentials as it makes a client: a credential_process
            # that cannot be run surfaces here.
            raise credential_file_error(error, getattr(session, "profile_name", None)) from None
        except ValueError as error:
            # botocore says "Invalid endpoint: ..." or urllib "Port out of range" for an
            # endpoint_url from the AWS config file or AWS_ENDPOINT_URL_<SERVICE>; other values
            # it cannot convert (AWS_METADATA_SERVICE_TIMEOUT=x) are configuration too.
            if not any(word in str(error) for word in ("ndpoint", "Port", "IPv6", "URL")):
                raise ConfigurationError(f"AWS configuration: {error}{where_set(error)}") from None
            raise ConfigurationError(
                f"endpoint URL for {service} (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_"
                f"{service.upper()} or endpoint_url in the AWS config file): {error}"
            ) from None

    def _endpoint_of(self, session: Any, service: str) -> str | None:
        return configured_endpoint(
            session, service, self.settings.endpoint_url, self.settings.config_endpoint_url
        )

    def endpoint_in_use(self, service: str) -> str | None:
        """The endpoint URL the caller's clients of `service` use (None: AWS's own), without
        the user name and password a URL may carry."""
        endpoint = self._endpoint_of(self._base, service)
        return without_userinfo(endpoint) if endpoint else None

    def _instrument(self, client: Any) -> None:
        """Count each request; wait, before sending it and before parsing its answer, while
        the console answers a key (pacing.py)."""
        client.meta.events.register("before-send.*.*", self._count_request)
        client.meta.events.register("before-send.*.*", FOREGROUND.wait)
        client.meta.events.register("before-parse.*.*", FOREGROUND.wait)
        self.region_health.watch(client)

    def _count_request(self, event_name: str = "", **_: Any) -> None:
        # event_name is "before-send.<service id>.<Operation>".
        name = ":".join(event_name.split(".")[1:3])
        with self._count_lock:
            self.requests_sent[name] += 1
