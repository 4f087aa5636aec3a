"""The caller's identity and the accounts of member profiles, asked once and fast to fail."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.answers import required_text
from drconsole.aws.credential_errors import resolve_credentials
from drconsole.aws.errors import UNRECOGNIZED_CREDENTIAL_CODES, classify, error_code
from drconsole.aws.partition_guard import credentials_in_use, other_partition_regions
from drconsole.aws.readonly import install_read_only_guard
from drconsole.config import Settings
from drconsole.errors import AwsError, ConfigurationError
from drconsole.models import OUTAGE_CAUSES, CauseCode
from drconsole.partitions import default_region, of_region


def refused_credentials(exc: BaseException) -> bool:
    """True when AWS did not recognize the credentials of a call: invalid or expired ones, or
    a Region their account has not enabled ("The security token included in the request is
    invalid")."""
    return isinstance(exc, ClientError) and error_code(exc) in UNRECOGNIZED_CREDENTIAL_CODES


def region_unavailable(exc: BaseException) -> bool:
    """True when a call's Region did not answer it: its endpoint cannot be reached (connection
    refused, reset, timed out) or it failed on AWS's side (500, 503 ServiceUnavailable): what a
    Regional outage looks like, when another Region may well answer the same call."""
    return classify(exc) in OUTAGE_CAUSES


class FirstAnsweringSts:
    """An STS client whose calls are asked in each of `regions` in turn while a Region does
    not answer (cannot be reached, or fails on AWS's side): the credential providers' calls
    (break-glass GetSessionToken) during a Regional outage of the first."""

    def __init__(self, make_client: Callable[[str], Any], regions: list[str]) -> None:
        self._make_client = make_client
        self._regions = regions

    def __getattr__(self, operation: str) -> Callable[..., Any]:
        def in_first_answering(**request: Any) -> Any:
            for index, region in enumerate(self._regions):
                try:
                    return getattr(self._make_client(region), operation)(**request)
                except (ClientError, BotoCoreError) as exc:
                    if index == len(self._regions) - 1 or not region_unavailable(exc):
                        raise
            raise AssertionError("no Region to ask")  # never empty

        return in_first_answering


# How long the caller's credentials, once seen taken, are not asked about again when a member
# account or Region refuses its own (one GetCallerIdentity, not one per refused read).
CALLER_RECHECK_SECONDS = 30.0


class CallerIdentity:
    """Who the credentials in use are, and which account each member profile reaches (a part
    of `AwsSessions`)."""

    settings: Settings
    _base: Any
    _config: Config
    _first_contact_config: Config
    _lock: threading.RLock
    _recheck_lock: threading.Lock
    _caller: dict[str, str] | None
    _caller_recognized_at: float
    # The Region whose STS last answered the caller (None: not asked yet).
    _sts_region: str | None
    # The line refusing the Regions scanned of another partition than the caller's, if any.
    _partition_refusal: str | None
    _profile_accounts: dict[str, str] | None

    if TYPE_CHECKING:  # what `AwsSessions` provides

        def _create_client(
            self, session: Any, service: str, region: str, config: Config
        ) -> Any: ...

        def _count_request(self, event_name: str = "", **_: Any) -> None: ...

        def _session_for(self, identity: tuple[str, ...]) -> Any: ...

        def client(
            self, service: str, account_id: str | None = None, region: str | None = None
        ) -> Any: ...

        def error_for(
            self, exc: BaseException, context: str = "", profile: str | None = None
        ) -> AwsError: ...

        def credentials_from_environment(self) -> bool: ...

    def _first_contact_identity(self, session: Any) -> dict[str, Any]:
        """sts:GetCallerIdentity through `session`, in the first of `sts_regions` whose STS
        takes its credentials: an opt-in Region the account has not enabled refuses them as if
        they were invalid, and a Region in an outage does not answer (AWS_REGION names the
        workload Region on most machines, the one that is down), so the next Region is asked;
        only when every one refuses (or fails) are they (or is the network) reported.
        The caller's Region that answered is where its STS calls go from then on."""
        # Resolved first and once: asking again mends no credential failure, and botocore
        # offers a role's MFA prompt only once.
        resolve_credentials(session)
        regions = self.sts_regions()
        for index, region in enumerate(regions):
            try:
                answer = self._identity_in(session, region, last=index == len(regions) - 1)
            except (ClientError, BotoCoreError) as exc:
                if index == len(regions) - 1 or not (
                    refused_credentials(exc) or region_unavailable(exc)
                ):
                    raise
                continue
            if session is self._base:
                self._sts_region = region
            return answer
        raise AssertionError("no Region to ask")  # sts_regions is never empty

    def _identity_in(self, session: Any, region: str, last: bool = True) -> dict[str, Any]:
        """sts:GetCallerIdentity in `region`: fast failure on a dead endpoint.

        A client with few attempts and a short connect timeout asks first; when it fails for
        any other reason than the network or a refusal of the credentials (throttling, say),
        the shared client with the full adaptive retries asks again, so throttling is still
        absorbed.
        """
        quick = self._create_client(session, "sts", region, self._first_contact_config)
        self._prepare_identity_client(quick)
        try:
            answer: dict[str, Any] = quick.get_caller_identity()
            return answer
        except (ClientError, BotoCoreError) as exc:
            network = classify(exc) is CauseCode.NETWORK
            # A Region failing on AWS's side is left for the next one, if any; the last one
            # gets the full retries (a passing 503 is absorbed, as before).
            if network or refused_credentials(exc) or (region_unavailable(exc) and not last):
                raise
        patient = self._create_client(session, "sts", region, self._config)
        self._prepare_identity_client(patient)
        answer = patient.get_caller_identity()
        return answer

    def _prepare_identity_client(self, client: Any) -> None:
        # Only GetCallerIdentity is asked, but every client drconsole makes carries the guard.
        if self.settings.read_only:
            install_read_only_guard(client)
        client.meta.events.register("before-send.*.*", self._count_request)

    def _caller_identity(self) -> dict[str, str]:
        if self._caller is None:
            try:
                answer = self._first_contact_identity(self._base)
                caller = {
                    "Account": required_text(answer, "Account", "GetCallerIdentity"),
                    "Arn": required_text(answer, "Arn", "GetCallerIdentity"),
                }
            except (ClientError, BotoCoreError) as exc:
                raise self.error_for(exc, "cannot read the caller identity") from None
            # Known as soon as the caller is: no account is asked in a Region of another
            # partition, where its credentials cannot hold.
            self._partition_refusal = other_partition_regions(
                self.settings,
                caller["Arn"].split(":")[1],
                credentials_in_use(self, caller["Account"]),
            )
            self._caller = caller
        if self._partition_refusal is not None:
            # A setting these credentials cannot use (the console's setup screen names it).
            raise ConfigurationError(self._partition_refusal)
        return self._caller

    def caller_still_recognized(self) -> bool:
        """Whether AWS still takes the caller's own credentials (sts:GetCallerIdentity through
        `reachable_sts`, asked at most once per CALLER_RECHECK_SECONDS). While it does, a
        refusal of the credentials in one member account or Region is that account's or
        Region's alone (an opt-in Region it has not enabled, its member profile), not the
        caller's, and so is a network failure."""
        with self._recheck_lock:
            if time.monotonic() - self._caller_recognized_at < CALLER_RECHECK_SECONDS:
                return True
            try:
                self.reachable_sts("get_caller_identity")
            except (ClientError, BotoCoreError):
                return False
            self._caller_recognized_at = time.monotonic()
            return True

    def sts_regions(self) -> list[str]:
        """Where the caller's STS calls go, best first, whatever the order of the Regions
        scanned: the Region whose STS last answered; AWS_REGION's or the profile's Region
        when it is scanned (its account has it enabled); the Regions scanned; that configured
        Region when it is not (Regions of its partition before any other); then each of their
        partitions' default Region (us-east-1...), which no account can disable. STS is
        Regional: an opt-in Region the caller's account has not enabled refuses its
        credentials, a Region in an outage does not answer."""
        settings = self.settings
        scanned = list(settings.regions) or [settings.home_region]
        configured = settings.configured_region
        named = [configured, *scanned] if configured in scanned else [*scanned, configured]
        if configured:
            # Its partition is the credentials' own, most likely: a Region of another one
            # (listed by mistake) cannot take them, and is asked last.
            named.sort(key=lambda region: of_region(region or configured) != of_region(configured))
        defaults = [default_region(region) for region in named if region]
        ordered = [self._sts_region, *named, *defaults]
        return list(dict.fromkeys(region for region in ordered if region))

    def global_region(self) -> str:
        """The Region of the caller's global calls (STS, Organizations, IAM): where its STS
        answered (asked first when it has not been yet)."""
        if self._sts_region is None:
            self._caller_identity()
        return self._sts_region or self.sts_regions()[0]

    def reachable_sts(self, operation: str, **request: Any) -> dict[str, Any]:
        """An STS call of the caller in the first of `sts_regions` that answers it: the next
        is asked while a Region's endpoint cannot be reached (the Region in an outage is
        usually the workload Region, the first scanned) or refuses the caller's credentials
        (an opt-in Region its account has not enabled). AssumeRole and GetCallerIdentity hold
        in any Region of the partition."""
        regions = self.sts_regions()
        for index, region in enumerate(regions):
            try:
                answer: dict[str, Any] = getattr(self.client("sts", region=region), operation)(
                    **request
                )
            except (ClientError, BotoCoreError) as exc:
                unreachable = region_unavailable(exc)
                if index == len(regions) - 1 or not (unreachable or refused_credentials(exc)):
                    raise
                continue
            self._sts_region = region
            return answer
        raise AssertionError("no Region to ask")  # sts_regions is never empty

    def refused_here(self, code: str) -> bool:
        """True when AWS refusing a call's credentials with `code` is that account's and
        Region's alone (an opt-in Region it has not enabled, a stale member profile): a code
        of an unrecognized token while the caller's own credentials are still taken."""
        return code in UNRECOGNIZED_CREDENTIAL_CODES and self.caller_still_recognized()

    def caller_account_id(self) -> str:
        """The account id of the credentials in use (sts:GetCallerIdentity, cached)."""
        return self._caller_identity()["Account"]

    def caller_identity_arn(self) -> str:
        """The ARN of the credentials in use (for the audit log)."""
        return self._caller_identity()["Arn"]

    def partition(self) -> str:
        """The AWS partition of the caller (`aws`, `aws-cn`, `aws-us-gov`)."""
        return self.caller_identity_arn().split(":")[1]

    def member_profile_accounts(self) -> dict[str, str]:
        """account id -> profile, for the profiles in `member_profiles` (resolved once)."""
        if self._profile_accounts is None:
            with self._lock:
                if self._profile_accounts is None:
                    mapping: dict[str, str] = {}
                    for profile in self.settings.member_profiles:
                        session = self._session_for(("profile", profile))
                        try:
                            account = required_text(
                                self._first_contact_identity(session),
                                "Account",
                                "GetCallerIdentity",
                            )
                        except (ClientError, BotoCoreError) as exc:
                            raise self.error_for(
                                exc, f"member profile '{profile}'", profile=profile
                            ) from None
                        mapping.setdefault(account, profile)
                    self._profile_accounts = mapping
        return self._profile_accounts
