"""Everything the service runs on, wired once at start-up (`start`) and closed at exit."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

from bot import crypto
from bot.booking import reminders
from bot.booking.directory import sync_directory
from bot.booking.ics import CalendarLinks
from bot.broadcast import BroadcastWorker
from bot.casework import Casework, rules_for
from bot.casework import build as build_casework
from bot.channels.platforms import Channels, start_channels
from bot.content import Content, load_content
from bot.db.engine import Database
from bot.delivery import Delivery
from bot.pipeline import Pipeline
from bot.rasa_process import RasaSupervisor
from bot.render import Renderer
from bot.scheduler import Scheduler
from bot.settings import ROOT, Settings
from nlu.client import RasaClient
from nlu.gazetteer import Gazetteer
from nlu.langid import LanguageDetector
from nlu.train import ensure_model
from nlu.understand import Understander

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: Database
    content: Content
    renderer: Renderer
    nlu: RasaClient
    pipeline: Pipeline
    supervisor: RasaSupervisor | None = None
    delivery: Delivery | None = None  # `push` sends to a user later (staff, reminders)
    channels: Channels | None = None  # Telegram, WhatsApp and their outbox sender
    scheduler: Scheduler | None = None  # reminders and other work due later
    casework: Casework | None = None  # the console's desk; escalation, retention
    broadcasts: BroadcastWorker | None = None  # announcements to subscribers, via the outbox

    more_supervisors: list[RasaSupervisor] = field(default_factory=list)  # RASA_PROCESSES > 1

    async def close(self) -> None:
        if self.broadcasts is not None:
            await self.broadcasts.stop()
        if self.casework is not None:
            await self.casework.sweeper.stop()
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.channels is not None:
            await self.channels.close()
        for supervisor in [self.supervisor, *self.more_supervisors]:
            if supervisor is not None:
                await supervisor.stop()
        await self.nlu.close()
        await self.db.dispose()


async def prepare_database(settings: Settings, db: Database, content: Content) -> None:
    """Migrates the database and syncs the bookable LTSAs, desks and hours from content (once
    per start: with GATEWAY_WORKERS, the parent does it before the workers start)."""
    await db.migrate()
    async with db.transaction() as session:
        await sync_directory(
            session,
            content,
            slot_minutes=settings.slot_minutes,
            slot_capacity=settings.slot_capacity,
            demo=settings.demo_data,
        )


@dataclass
class RasaServers:
    """The Rasa servers the service parses with: started here, or found at RASA_URL."""

    urls: list[str]
    token: str
    supervisors: list[RasaSupervisor] = field(default_factory=list)

    async def wait_ready(self, within: float) -> None:
        if not self.supervisors:
            return
        if all([await s.wait_ready(within) for s in self.supervisors]):
            log.info("Rasa is ready")
        else:
            log.warning(
                "Rasa did not answer within %.0f s; answering with buttons only until it does",
                within,
            )

    async def stop(self) -> None:
        for supervisor in self.supervisors:
            await supervisor.stop()


async def start_rasa(settings: Settings) -> RasaServers:
    """Starts RASA_PROCESSES Rasa servers with the current model (trained if missing), or
    takes the servers at RASA_URL."""
    if not settings.rasa_managed:  # RASA_URL: one server, or several separated by commas
        urls = [u.strip() for u in settings.rasa_url.split(",")]
        return RasaServers(urls, settings.rasa_token)
    model, how = ensure_model(settings.models_dir, settings.cache_dir, ROOT)
    log.info("NLU model %s (%s)", model.name, how)
    servers = RasaServers([], secrets.token_urlsafe(24))
    for i in range(max(1, settings.rasa_processes)):
        name = "rasa" if i == 0 else f"rasa-{i + 1}"
        supervisor = RasaSupervisor(
            model,
            ROOT,
            settings.rasa_port + i,
            settings.var_dir / "log",
            token=servers.token,
            name=name,
        )
        servers.supervisors.append(supervisor)
        await supervisor.start()
        servers.urls.append(supervisor.url)
    return servers


async def start(
    settings: Settings, *, wait_for_nlu: bool = True, prepared: bool = False
) -> Services:
    """Loads content, migrates the database (unless `prepared`), starts (or finds) Rasa,
    builds the pipeline."""
    content = load_content(ROOT / "content")
    crypto.configure(settings.secret_key)  # message texts and case notes are encrypted at rest
    db = Database(settings.database_url, ROOT, pool_size=settings.db_pool_size)
    if not prepared:
        await prepare_database(settings, db, content)
    rasa = await start_rasa(settings)
    nlu = RasaClient(
        rasa.urls[0],
        rasa.token,
        Gazetteer.load(),
        timeout=settings.nlu_timeout,
        extra_urls=tuple(rasa.urls[1:]),
        cache_seconds=settings.nlu_cache_seconds,
        cache_size=settings.nlu_cache_size,
    )
    if wait_for_nlu:
        await rasa.wait_ready(settings.rasa_start_timeout)
    renderer = Renderer(content)
    public_url = settings.public_url or f"http://{settings.host}:{settings.port}"
    calendar = CalendarLinks(settings.secret_key, public_url)
    delivery = Delivery({}, default_language=content.default_language)
    case_rules = rules_for(settings, content)
    pipeline = Pipeline(
        db,
        Understander(nlu),
        LanguageDetector.load(),
        renderer,
        content.default_language,
        outbox=delivery,
        calendar=calendar,
        send=delivery.push,
        casework=case_rules,
    )
    cases = build_casework(settings, db, content, renderer, delivery, case_rules)
    cases.sweeper.start()
    handlers = {reminders.KIND: reminders.handler(renderer, delivery.push)}
    channels = await start_channels(settings, db, pipeline, renderer, delivery)
    scheduler = Scheduler(db, handlers, interval=settings.scheduler_interval)
    scheduler.start()
    broadcasts = BroadcastWorker(
        db,
        delivery,
        renderer,
        window_seconds=settings.broadcast_window_seconds,
        poll_seconds=settings.broadcast_poll_seconds,
        default_language=content.default_language,
    )
    broadcasts.start()
    return Services(
        settings,
        db,
        content,
        renderer,
        nlu,
        pipeline,
        rasa.supervisors[0] if rasa.supervisors else None,
        delivery=delivery,
        channels=channels,
        scheduler=scheduler,
        casework=cases,
        more_supervisors=rasa.supervisors[1:],
        broadcasts=broadcasts,
    )
