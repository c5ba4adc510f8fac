"""KOPI coordinators and subscriptions: the service side of the community flows.

subscriptions   join and leave announcements; who an announcement reaches
coordinators    requests from the chat, verification by an LTSA admin (console), records
reads           CommunityReads: what the flows read, mixed into `bot.flowstore.TurnStore`
apply           the community actions of a turn (subscribe, request, queue an announcement)
"""
