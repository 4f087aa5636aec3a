"""Restore and backup message patterns (network, taken names, engine versions, job role)."""

from __future__ import annotations

from drconsole.diagnose.network_remedies import restore_network
from drconsole.diagnose.restore_remedies import (
    backup_role_not_authorized,
    cross_account_pass_role,
    ebs_volume_settings,
    engine_version,
    instance_profile_missing,
    key_pair_missing,
    new_instance_profile_refused,
    pass_role_denied,
    resource_exists,
    restore_target_missing,
    service_fatal,
    volume_smaller_than_snapshot,
)
from drconsole.diagnose.rule import Render, Rule, any_of
from drconsole.diagnose.s3_restore_remedies import (
    s3_no_objects_restored,
    s3_nothing_to_restore,
    s3_objects_partly_restored,
)
from drconsole.models import CauseCode

VERSION = r"[\w.-]*\d[\w.-]*?"
# AWS Backup's S3 restore messages name the recovery point and the bucket (names may hold dots).
S3_RESTORED_FROM = r"from (?P<point>\S+) to (?P<bucket>[\w.-]+?)\.?(?=\s|\W*$)"
S3_DOC = (
    'AWS Backup Developer Guide, restoring-s3.html, "S3 restore messages" (the job\'s'
    " StatusMessage)"
)
# Messages AWS gives with a restore job it ends COMPLETED although it did not restore everything:
# a flow, a drill and the jobs screen treat such a restore as failed, never as a success.
INCOMPLETE_RESTORE_RULES = frozenset({"s3-objects-partly-restored", "s3-nothing-to-restore"})
# Tried before the copy rules: these wordings name subnets, VPCs, versions and names, which no
# copy message does, and the job-role ones must win over the generic "role ... not found" rule.
RESTORE_RULES: tuple[Rule, ...] = (
    Rule(
        "s3-no-objects-restored",
        CauseCode.ROLE_PERMISSIONS,
        any_of(r"no objects were restored " + S3_RESTORED_FROM),
        "No objects were restored from arn:aws:backup:us-east-1:111122223333:recovery-point:"
        "0f51c39b-1b2c-4d5e-9f00-123456789012 to prod-data-restored. To get notified of these"
        " failures, enable SNS event notifications.",
        S3_DOC,
        s3_no_objects_restored,
    ),
    Rule(
        "s3-objects-partly-restored",
        CauseCode.KMS_KEY_UNUSABLE,
        any_of(r"one or more objects failed to be restored " + S3_RESTORED_FROM),
        "One or more objects failed to be restored from arn:aws:backup:us-east-1:111122223333:"
        "recovery-point:0f51c39b-1b2c-4d5e-9f00-123456789012 to prod-data-restored. To get"
        " notified of these failures, enable SNS event notifications.",
        S3_DOC,
        s3_objects_partly_restored,
    ),
    Rule(
        "s3-nothing-to-restore",
        CauseCode.UNKNOWN,
        any_of(r"there are no objects that match the restore request for (?P<point>\S+)"),
        "There are no objects that match the restore request for arn:aws:backup:us-east-1:"
        "111122223333:recovery-point:0f51c39b-1b2c-4d5e-9f00-123456789012.",
        S3_DOC,
        s3_nothing_to_restore,
    ),
    Rule(
        "restore-network",
        CauseCode.RESTORE_NETWORK,
        any_of(
            r"no default (?:vpc|subnet)",
            r"\bVPC(?:IdNotSpecified|ResourceNotSpecified)\b",
            r"(?:are|is) in different vpcs",
            r"belong to different networks",
            r"is in vpc-\S+,? but (?:the )?ec2 security group",
            r"the (?:subnet id|security group|vpc id) '?[\w-]+\s*'? does not exist",
            r"(?:db )?subnet group '?[\w.-]+'? does not exist",
            r"DBSubnetGroupNotFound",
            r"subnet group doesn't meet availability zone (?:\(az\) )?coverage",
            r"subnets in the same availability zone",
            r"vpc \S+ associated with the default subnet group does not exist",
            r"availability zone '?\[?[\w-]+\]?'? is unavailable in this region",
            r"InvalidSubnetID\.NotFound|InvalidGroup\.NotFound|InvalidVpcID\.NotFound",
            r"input subnets in :?\s*\[[^\]]*\] are invalid",
            r"vpc does not support dns resolution",
            r"db subnet group has not been specified",
            r"InvalidVPCNetworkState",
            r"for parameter availabilityZone is invalid",
            r"invalid security group ?, ?groupid=",
            r"option group\b.{0,60}(?:could not be found|not found|does not exist)",
            r"option group\b.{0,80}associated with a different vpc",
            r"instance type \(?[\w.]+\)? is not supported in your requested availability zone",
            r"InvalidZone\.NotFound",
            r"\bzone '?[\w-]+'? does not exist",
            r"invalid value '?[\w-]+'? for availabilityzone",
            r"network interfaces and an instance-level (?:subnet id|security groups) may not",
        ),
        "No default VPC for this user. GroupName is only supported for EC2-Classic and default"
        " VPC. / No default subnet detected in VPC. Please contact AWS Support to recreate"
        " default Subnets. / The DB instance and EC2 security group are in different VPCs. The DB"
        " instance is in vpc-0a0fbbcca3060b009 and the EC2 security group is in"
        " vpc-03e317d71474c989d / Security group sg-01048a5f724140078 and subnet"
        " subnet-a78bf4fc belong to different networks. / The subnet ID 'subnet-ed4ddcb6' does"
        " not exist / The DB subnet group doesn't meet Availability Zone (AZ) coverage"
        " requirement. Current AZ coverage: us-east-2a. Add subnets to cover at least 2 AZs. /"
        " Your requested instance type (m5.8xlarge) is not supported in your requested"
        " Availability Zone (us-east-1e). Please retry your request by not specifying an"
        " Availability Zone or choosing us-east-1a, us-east-1b, us-east-1c, us-east-1d,"
        " us-east-1f. / InvalidZone.NotFound: The zone 'us-west-2a' does not exist. /"
        " Client.InvalidParameterValue: Invalid value 'us-west-1a' for AvailabilityZone.",
        "EC2 RunInstances and RDS RestoreDBInstanceFromDBSnapshot/RestoreDBClusterFromSnapshot"
        " errors; tests/data/restore_messages.json lists each with its public source",
        restore_network,
    ),
    Rule(
        "resource-already-exists",
        CauseCode.RESOURCE_ALREADY_EXISTS,
        any_of(
            r"(?:table|db instance|db cluster|file system|bucket)\b"
            r"(?! (?:parameter|option|subnet|security|snapshot|policy|endpoint))"
            r".{0,80}already exists(?! in stack)",
            r"\bcluster already exists",
            r"(?:DBInstance|DBCluster|Table|FileSystem|Bucket)AlreadyExists",
            r"bucket name is not available",
            r"you already own it",
        ),
        "Table already exists: orders / DB instance already exists / DB Cluster already exists"
        " / File system 'fs-0123abcd' already exists with creation token 'CSI' / The requested"
        " bucket name is not available. The bucket namespace is shared by all users of the"
        " system. Please select a different name and try again / Your previous request to create"
        " the named bucket succeeded and you already own it.",
        "DynamoDB, RDS, EFS and S3 errors passed on as the restore job's StatusMessage",
        resource_exists,
    ),
    Rule(
        "engine-version",
        CauseCode.ENGINE_VERSION,
        any_of(
            rf"cannot find version (?P<missing>{VERSION}) for (?P<engine>[\w-]+)",
            rf"engine version you requested for your restored db (?:instance|cluster)"
            rf" \((?P<asked>{VERSION})\) is earlier than the engine version of the db"
            rf" (?:cluster )?snapshot \((?P<snapshot>{VERSION})\)",
            rf"cannot upgrade (?P<engine2>[\w-]+) from (?P<snapshot2>{VERSION}) to"
            rf" (?P<asked2>{VERSION})(?:[.\s]|$)",
            rf"cannot find upgrade path from (?P<snapshot3>{VERSION}) to (?P<asked3>{VERSION})"
            r"(?:[.\s]|$)",
            r"does not support creating a db instance with the following combination:\s*"
            r"dbinstanceclass=(?P<klass>[\w.]+),\s*engine=(?P<combo_engine>[\w-]+),\s*"
            rf"engineversion=(?P<combo_version>{VERSION})(?:[,.\s]|$)",
        ),
        "Cannot find version 11.5 for aurora-postgresql / The engine version you requested for"
        " your restored DB cluster (8.0.mysql_aurora.3.08.0) is earlier than the engine version"
        " of the DB cluster snapshot (8.0.mysql_aurora.3.08.2). / Cannot upgrade"
        " aurora-postgresql from 11.17 to 11.13 / RDS does not support creating a DB instance with"
        " the following combination: DBInstanceClass=db.t2.micro, Engine=mysql,"
        " EngineVersion=8.0.35, LicenseModel=general-public-license.",
        "RDS InvalidParameterCombination on RestoreDBClusterFromSnapshot /"
        " RestoreDBInstanceFromDBSnapshot; the instance class one: elastic/beats#38473",
        engine_version,
    ),
    Rule(
        "pass-role-denied",
        CauseCode.ROLE_PERMISSIONS,
        any_of(r"not authorized to perform:? ?iam:PassRole(?: on resource:? ?(?P<resource>\S+))?"),
        "User: arn:aws:sts::111122223333:assumed-role/AWSBackupDefaultServiceRole/AWSBackup-x is"
        " not authorized to perform: iam:PassRole on resource:"
        " arn:aws:iam::111122223333:role/AmazonSSMRoleForInstancesQuickSetup",
        "IAM AccessDenied format; decoded EC2 restore failure of re:Post knowledge center"
        " aws-backup-encoded-authorization-failure",
        pass_role_denied,
    ),
    Rule(
        "cross-account-pass-role",
        CauseCode.ROLE_PERMISSIONS,
        any_of(r"cross-account pass role is not allowed"),
        "Cross-account pass role is not allowed.",
        "IAM refusal of a role of another account (artilleryio/chaos-lambda#29,"
        " fabric8io/kubernetes-alexa#6)",
        cross_account_pass_role,
    ),
    Rule(
        "backup-role-not-authorized",
        CauseCode.ROLE_PERMISSIONS,
        any_of(
            r"consult the permissions associated with your aws backup role",
            r"encoded authorization failure message",
        ),
        "You are not authorized to perform this operation. Please consult the permissions"
        " associated with your AWS Backup role(s), and refer to the AWS Backup documentation for"
        " more details.",
        "re:Post knowledge center aws-backup-encoded-authorization-failure (EC2 restore)",
        backup_role_not_authorized,
    ),
)

# Tried after every other rule: the generic "contact AWS Support" wording also closes messages
# whose real cause is more specific (e.g. "No default subnet ... contact AWS Support").
LAST_RULES: tuple[Rule, ...] = (
    Rule(
        "volume-smaller-than-snapshot",
        CauseCode.UNKNOWN,
        any_of(
            r"volume of size \d+ ?gi?b is smaller than\s+snapshot\b[^,]{0,40},?"
            r"\s*\(?expect size >= ?(?P<needed>\d+)",
            r"volume of size \d+ ?gi?b is smaller than\s+snapshot",
        ),
        "Volume of size 15GB is smaller than  snapshot 'snap-09e0f802c68b958b7', expect size >="
        " 30GB",
        "https://github.com/scylladb/scylla-cluster-tests/issues/2484 (EC2 RunInstances,"
        " InvalidBlockDeviceMapping)",
        volume_smaller_than_snapshot,
    ),
    Rule(
        "ebs-volume-settings",
        CauseCode.UNKNOWN,
        any_of(
            r"the parameter (?P<param>iops|throughput) (?:is not supported|must be specified)"
            r" for (?P<type>[\w-]+) volumes?",
            r"(?P<param2>iops|throughput) can only be specified for volume ?type [\w-]+",
        ),
        "InvalidParameterCombination: The parameter iops is not supported for gp2 volumes. /"
        " InvalidParameterCombination: The parameter iops must be specified for io2 volumes. /"
        " InvalidParameterCombination: throughput can only be specified for volumeType gp3.",
        "EC2 CreateVolume errors; tests/data/restore_messages.json lists each with its public"
        " source",
        ebs_volume_settings,
    ),
    Rule(
        "instance-profile-missing",
        CauseCode.UNKNOWN,
        any_of(
            r"value \((?P<profile>[^)\s]+)\) for parameter iamInstanceProfile\.(?:name|arn) is"
            r" invalid",
            r"invalid iam instance profile (?:name|arn)",
        ),
        "InvalidParameterValue: Value (s3-access-for-ec2) for parameter iamInstanceProfile.name is"
        " invalid. Invalid IAM Instance Profile name",
        "EC2 RunInstances error, https://github.com/CiscoDevNet/cloud-cml/issues/4",
        instance_profile_missing,
    ),
    Rule(
        "key-pair-missing",
        CauseCode.UNKNOWN,
        any_of(
            r"the key ?pair '(?P<key_pair>[^']+)' does not exist",
            r"invalidkeypair\.notfound",
        ),
        "An error occurred (InvalidKeyPair.NotFound) when calling the RunInstances operation: The"
        " key pair 'aws-key-fast-ai' does not exist",
        "EC2 RunInstances error, https://github.com/fastai/courses/issues/54",
        key_pair_missing,
    ),
    Rule(
        "new-instance-profile-refused",
        CauseCode.UNKNOWN,
        any_of(r"does not permit attaching a new instance profile"),
        "AWS Backup does not permit attaching a new instance profile to an EC2 instance. Please"
        " restore using the backed up instance profile.",
        "AWS Backup's EventBridge guide, Restore Job FAILED example"
        " (https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html)",
        new_instance_profile_refused,
    ),
    Rule(
        "restore-target-missing",
        CauseCode.UNKNOWN,
        any_of(r"file system '?fs-[\w-]+'? does not exist", r"the specified bucket does not exist"),
        "File system 'fs-0abc' does not exist. / The specified bucket does not exist",
        "EFS and S3 messages passed on as the restore job's StatusMessage",
        restore_target_missing,
    ),
    Rule(
        "service-fatal-error",
        CauseCode.SERVICE_ERROR,
        any_of(
            r"(?:fatal|internal|unexpected|unrecoverable) (?:error|failure)\b.{0,160}contact"
            r" (?:aws |amazon web services )?support",
        ),
        "A fatal error has occurred. Please contact AWS Support.",
        "wording not confirmed against a published AWS message; internal errors that ask to"
        " contact support",
        service_fatal,
    ),
)

# Error codes that decide the cause on their own when the message text says nothing more
# (botocore keeps the code in the wrapper "An error occurred (Code) when calling ...").
RESTORE_CODES: dict[str, Render] = {
    **dict.fromkeys(
        (
            "vpcidnotspecified",
            "vpcresourcenotspecified",
            "invalidsubnetid.notfound",
            "invalidgroup.notfound",
            "invalidvpcid.notfound",
            "dbsubnetgroupnotfoundfault",
            "dbsubnetgroupdoesnotcoverenoughazs",
            "invalidvpcnetworkstatefault",
            "optiongroupnotfoundfault",
            "invalidzone.notfound",
        ),
        restore_network,
    ),
    **dict.fromkeys(
        (
            "dbinstancealreadyexists",
            "dbinstancealreadyexistsfault",
            "dbclusteralreadyexistsfault",
            "tablealreadyexistsexception",
            "filesystemalreadyexists",
            "bucketalreadyexists",
            "bucketalreadyownedbyyou",
        ),
        resource_exists,
    ),
}
