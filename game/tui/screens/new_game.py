"""Start a game: scenario, seed, and a human or an agent at every company."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from ...session import HUMAN, ScenarioChoice, agent_choices, random_seed, scenario_choices


class NewGameScreen(Screen):
    BINDINGS = [
        Binding("ctrl+n", "start", "Start game", priority=True),
        Binding("ctrl+r", "reseed", "New random seed", priority=True),
        Binding("ctrl+l", "app.load", "Load a save", priority=True),
    ]

    def __init__(self, seed: int | None = None, scenario: str | None = None):
        super().__init__()
        self.choices = scenario_choices()
        self.agents = agent_choices()
        self.seed = seed if seed is not None else random_seed()
        names = [c.name for c in self.choices]
        self.index = names.index(scenario) if scenario in names else 0

    @property
    def choice(self) -> ScenarioChoice:
        return self.choices[self.index]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="new-game"):
            with Vertical(id="scenario-pane"):
                yield Label("Scenario", classes="title")
                yield OptionList(*[Option(f"{c.name} — {c.quarters} quarters", id=c.name) for c in self.choices], id="scenarios")
                yield Label("Seed (same seed, same game)")
                yield Input(str(self.seed), type="integer", id="seed")
            with VerticalScroll(id="setup-pane"):
                yield Static(id="scenario-about")
                yield Label("Seats: who runs each company", classes="title")
                yield Vertical(id="seats")
                yield Static(id="agent-about", classes="dim")
        yield Static("Enter on a scenario or ctrl+n starts · Tab moves · ctrl+r new seed", classes="dim", id="new-help")
        yield Footer()

    async def on_mount(self) -> None:
        self.title, self.sub_title = "Gridlock", "New game"
        ol = self.query_one("#scenarios", OptionList)
        ol.highlighted = self.index
        ol.focus()
        await self._show_scenario()

    async def _show_scenario(self) -> None:
        c = self.choice
        self.query_one("#scenario-about", Static).update(Text.assemble((f"{c.title}\n", "bold"), f"{c.quarters} quarters from {c.start}. ", c.description))
        seats = self.query_one("#seats", Vertical)
        await seats.remove_children()
        rows = []
        for i, (cid, name, arch, default) in enumerate(c.companies):
            # only agents written for this archetype (or for any)
            options = [("Human (you)", HUMAN)] + [(f"Agent: {a}", a) for a, a_arch, _ in self.agents if a_arch in (arch, "any")]
            mine = options if default in {v for _, v in options} else options + [(f"Agent: {default} (the scenario's)", default)]
            rows.append(Label(f"{name} — {arch}"))
            rows.append(Select(mine, value=HUMAN if i == 0 else default, allow_blank=False, id=f"seat-{cid}"))
        await seats.mount_all(rows)
        self._show_theses()

    def _show_theses(self) -> None:
        lines = [Text("Agents", style="bold")]
        for name, arch, thesis in self.agents:
            lines.append(Text.assemble((f"{name}", "bold"), f" ({arch}): {thesis}"))
        from rich.console import Group

        self.query_one("#agent-about", Static).update(Group(*lines))

    @on(OptionList.OptionHighlighted, "#scenarios")
    async def _highlight(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index != self.index:
            self.index = event.option_index
            await self._show_scenario()

    @on(OptionList.OptionSelected, "#scenarios")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_start()

    @on(Input.Submitted, "#seed")
    def _seed_entered(self, event: Input.Submitted) -> None:
        self.action_start()

    def action_reseed(self) -> None:
        self.query_one("#seed", Input).value = str(random_seed())

    def seats(self) -> dict[str, str]:
        out = {}
        for cid, *_ in self.choice.companies:
            value = self.query_one(f"#seat-{cid}", Select).value
            out[cid] = value if isinstance(value, str) else HUMAN
        return out

    def action_start(self) -> None:
        text = self.query_one("#seed", Input).value.strip()
        try:
            seed = int(text)
            if seed < 0:
                raise ValueError
        except ValueError:
            self.notify(f"The seed must be a whole number ≥ 0, got {text!r}", severity="error")
            return
        seats = self.seats()
        if HUMAN not in seats.values():
            self.notify("Seat a human at one company at least (or watch with `gridlock run`).", severity="warning")
            return
        self.app.start_game(self.choice.name, seed, seats)
