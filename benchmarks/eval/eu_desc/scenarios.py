"""Which movements happen on which day: fixed-date ones (payroll, taxes, direct debits, batches, fees)
and a quota of builders drawn from the weights below, run day by day against the ledger state."""

from datetime import timedelta

import builders_in as bi
import builders_out as bo
from core import Ctx


def weights(lang):
    de, es, it, nl = (lang == x for x in ("de", "es", "it", "nl"))
    w = [
        # money in: plain and damaged references
        ("plain_ref_exact", 105, lambda c: bi.b_ref(c, "exact", "plain_ref_exact")),
        ("ref_reformatted", 14, lambda c: bi.b_ref(c, "reformatted", "ref_reformatted")),
        ("ref_prefix_dropped", 16, lambda c: bi.b_ref(c, "prefix_dropped", "ref_prefix_dropped")),
        ("ref_zeros_dropped", 0 if it else 10, lambda c: bi.b_ref(c, "zeros_dropped", "ref_leading_zeros_dropped")),
        ("ref_number_only", 18, lambda c: bi.b_ref(c, "number_only", "ref_number_only")),
        ("ref_swapped", 10, lambda c: bi.b_ref(c, "swapped", "ref_digits_swapped")),
        ("ref_typo", 5, lambda c: bi.b_ref(c, "typo", "ref_digit_typo")),
        ("ref_line_wrap", 8 if de else 0, bi.b_line_wrap),
        ("ref_rf", 5 if (de or nl) else 0, bi.b_rf),
        # money in: the payer's name only
        ("name_only", 30, lambda c: bi.b_name(c, "full", "name_only")),
        ("name_cut", 12, lambda c: bi.b_name(c, "cut", "name_cut")),
        ("name_nospace", 8, lambda c: bi.b_name(c, "nospace", "name_without_spaces")),
        ("name_typo", 8, lambda c: bi.b_name(c, "typo", "name_typo_bank_side")),
        ("name_abbrev", 7, lambda c: bi.b_name(c, "abbrev", "name_abbreviated")),
        ("name_ledger_typo", 6, lambda c: bi.b_name(c, "ledger_typo", "name_typo_ledger_side")),
        ("cust_no", 6, lambda c: bi.b_name(c, "cust_no", "customer_number_only")),
        ("date_named", 6, bi.b_date_named),
        ("same_amount_no_hint", 5, bi.b_same_amount_no_hint),
        ("other_known_payer", 4, bi.b_other_known_payer),
        # several items
        ("multi_all", 22, bi.b_multi_all),
        ("multi_one", 14, bi.b_multi_one),
        ("multi_none", 8, bi.b_multi_none),
        ("cn_quoted", 10, bi.b_cn_quoted),
        ("cn_unquoted", 6, bi.b_cn_unquoted),
        # discounts, partials, over-payments, fees
        ("skonto_in", 16 if de else 8, lambda c: bi.b_skonto(c, "in_period")),
        ("skonto_text", 6 if de else 4, lambda c: bi.b_skonto(c, "text_terms")),
        ("skonto_late", 7, lambda c: bi.b_skonto(c, "late")),
        ("skonto_wrong", 3, lambda c: bi.b_skonto(c, "wrong_rate")),
        ("partial_worded", 9, lambda c: bi.b_partial(c, True)),
        ("partial_unworded", 5, lambda c: bi.b_partial(c, False)),
        ("instalment", 6, bi.b_instalment),
        ("overpayment", 5, bi.b_overpay),
        ("fee_explained", 5, lambda c: bi.b_fee(c, True)),
        ("fee_unexplained", 4, lambda c: bi.b_fee(c, False)),
        # who pays, what is quoted
        ("parent", 9, bi.b_parent),
        ("ref_other_party", 6, bi.b_ref_other_party),
        ("ref_wrong_own", 5, bi.b_ref_wrong_own),
        ("monthly_named", 12, lambda c: bi.b_monthly(c, True)),
        ("monthly_unnamed", 5, lambda c: bi.b_monthly(c, False)),
        ("duplicate", 3, bi.b_duplicate),
        ("paid_quoted", 3, bi.b_paid_quoted),
        ("unknown", 6, bi.b_unknown),
        ("prepay", 4, lambda c: bi.b_prepayment(c, False)),
        ("prepay_before", 3, lambda c: bi.b_prepayment(c, True)),
        ("cheque", {"de": 3, "es": 16, "it": 10, "nl": 0}[lang], bi.b_cheque),
        ("card_payout", 7, bi.b_card_payout),
        ("other_in", 4, bi.b_other_in),
        ("supplier_refund", 2, bi.b_supplier_refund),
        # money out
        ("supplier", 45, lambda c: bo.b_supplier(c, "single")),
        ("supplier_multi", 6, lambda c: bo.b_supplier(c, "multi")),
        ("supplier_skonto", 8 if de else 4, lambda c: bo.b_supplier(c, "skonto")),
        ("supplier_fee", 3, lambda c: bo.b_supplier(c, "fee_explained")),
        ("supplier_fee_unstated", 2, lambda c: bo.b_supplier(c, "fee_unexplained")),
        ("weekly_named", 4, lambda c: bo.b_weekly(c, True)),
        ("weekly_unnamed", 3, lambda c: bo.b_weekly(c, False)),
        ("dd_noitem", 8, bo.b_dd_noitem),
        ("dd_return", 2, bo.b_dd_return),
        ("bank_fee", 4, bo.b_fee),
        ("card", 12, bo.b_card),
        ("refund_cn", 4, bo.b_refund_cn),
    ]
    return [x for x in w if x[1] > 0]


FALLBACKS = ["plain_ref_exact", "name_only", "supplier", "card"]
# builders whose amount is not one quoted item's open amount: an automatic truth there must not have a rival
# reading, i.e. another open item of the same payer fitting the amount exactly
GUARDED = {"multi_all", "multi_one", "multi_none", "cn_quoted", "cn_unquoted", "skonto_in", "skonto_text",
           "partial_worded", "instalment", "fee_explained"}


def has_rival(ctx, mv):
    if mv.outcome != "auto" or not mv.expected:
        return False
    items = [ctx.by_id[i] for i in mv.expected]
    parties = {it.party.pid: it.party for it in items}
    for p in parties.values():
        for o in ctx.party_open(p):
            if o.id not in mv.expected and ctx.sod[o.id] == mv.amount:
                return True
    return False


def guarded(f):
    def g(ctx):
        for _ in range(8):
            snap = (dict(ctx.open), set(ctx.used), list(ctx.paid_log))
            mv = f(ctx)
            if mv is None or not has_rival(ctx, mv):
                return mv
            ctx.open, ctx.used, ctx.paid_log = snap
        return None
    return g
LATE = {"duplicate"}          # needs earlier days
EARLY = {"prepay_before"}     # needs an invoice issued later in the window


def allocate(total, wts):
    s = sum(w for _, w, _ in wts)
    raw = [(k, total * w / s) for k, w, _ in wts]
    out = {k: int(v) for k, v in raw}
    rest = total - sum(out.values())
    for k, v in sorted(raw, key=lambda kv: -(kv[1] - int(kv[1])))[:rest]:
        out[k] += 1
    return out


def run(world, rng, n_movements):
    ctx = Ctx(world, rng)
    days = world.days
    W = world.W
    fixed = {d: [] for d in days}
    # payroll
    for it in world.items:
        if it.kind == "entry" and it.party.role == "employee" and it.due in fixed:
            fixed[it.due].append(("payroll", it))
    # taxes and social charges
    for kind, p, text, amount, d, it in world.obligations:
        if d in fixed:
            fixed[d].append(("authority", (kind, p, text, amount, it)))
    # batches
    for it in world.items:
        if "batch_in" in it.meta or "batch_out" in it.meta:
            if it.due in fixed:
                fixed[it.due].append(("batch", it))
    # direct debits with a ledger item
    for it in world.items:
        if "dd" in it.meta and it.due in fixed:
            fixed[it.due].append(("dd", it))
    # account fees on the fee days
    for d in W["fee_days"]:
        if d in fixed:
            for _ in range(rng.choice([1, 2, 2, 3])):
                fixed[d].append(("fee", None))
    n_fixed = sum(len(v) for v in fixed.values())
    if n_fixed > 0.35 * n_movements:
        keep = int(0.35 * n_movements)
        flat = [(d, x) for d in days for x in fixed[d]]
        flat = rng.sample(flat, keep)
        fixed = {d: [x for dd, x in flat if dd == d] for d in days}
        n_fixed = keep
    wts = weights(world.lang)
    fn = {k: (guarded(f) if k in GUARDED else f) for k, _, f in wts}
    quota = allocate(max(0, n_movements - n_fixed), wts)
    labels = [k for k, v in quota.items() for _ in range(v)]
    rng.shuffle(labels)
    plan = {d: [] for d in days}
    dw = [1.35 if d.weekday() == 0 else 1.0 for d in days]
    for k in labels:
        if k in LATE:
            d = rng.choice(days[3:])
        elif k in EARLY:
            d = rng.choice(days[:5])
        else:
            d = rng.choices(days, dw)[0]
        plan[d].append(k)
    carry = []
    failed = {}
    for i, d in enumerate(days):
        ctx.start_day(d)
        out = []
        for kind, arg in fixed[d]:
            if kind == "payroll":
                mv = bo.b_payroll(ctx, arg)
            elif kind == "authority":
                mv = bo.b_authority(ctx, *arg)
            elif kind == "batch":
                mv = bo.b_batch(ctx, arg)
            elif kind == "dd":
                mv = bo.b_dd_item(ctx, arg)
            else:
                mv = bo.b_fee(ctx)
            if mv:
                out.append(mv)
        todo = carry + plan[d]
        rng.shuffle(todo)
        carry = []
        last = i == len(days) - 1
        for k in todo:
            mv = fn[k](ctx)
            if mv is None and not last:
                carry.append(k)
                continue
            if mv is None:
                failed[k] = failed.get(k, 0) + 1
                for fb in FALLBACKS:
                    mv = fn[fb](ctx)
                    if mv:
                        break
            if mv:
                out.append(mv)
        rng.shuffle(out)
        ctx.mvs.extend(out)
    return ctx, failed
