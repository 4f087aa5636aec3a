"""drconsole: a terminal console for disaster recovery on AWS Backup."""

__version__ = "0.1.0"
