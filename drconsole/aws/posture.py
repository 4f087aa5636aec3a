"""Account posture facts beyond the inventory: whether AWS Backup's service-linked role exists.

One IAM GetRole per account. Without AWSServiceRoleForBackup, copies into the account fail
(the destination's service-linked role uses the source key) and AWS Backup cannot run there.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from drconsole.aws.errors import error_code
from drconsole.aws.refusals import failure_on
from drconsole.aws.session import AwsSessions
from drconsole.models import AccountError, CauseCode

SERVICE_LINKED_ROLE = "AWSServiceRoleForBackup"
GLOBAL = "global"  # IAM is not regional: the Region of an IAM fact


def service_linked_role_problem(sessions: AwsSessions, account_id: str) -> AccountError | None:
    """None when the account has AWSServiceRoleForBackup; else what is wrong (missing, or
    unreadable with its cause) as an AccountError."""
    try:
        sessions.client("iam", account_id).get_role(RoleName=SERVICE_LINKED_ROLE)
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            return AccountError(
                account_id,
                GLOBAL,
                "iam:GetRole",
                "NoSuchEntity",
                f"{SERVICE_LINKED_ROLE} does not exist in account {account_id}: copies into it "
                "fail until it is created (aws iam create-service-linked-role "
                "--aws-service-name backup.amazonaws.com)",
                CauseCode.SERVICE_LINKED_ROLE_MISSING,
            )
        return failure_on(sessions, account_id, GLOBAL, "iam:GetRole", exc)
    except BotoCoreError as exc:
        return failure_on(sessions, account_id, GLOBAL, "iam:GetRole", exc)
    return None
