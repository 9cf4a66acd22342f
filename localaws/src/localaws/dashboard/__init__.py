"""The local QuickSight dashboard: a published dashboard's Definition rendered as a web page from its datasets."""
