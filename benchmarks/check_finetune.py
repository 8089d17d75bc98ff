"""Design Y of docs/classifier-protocol.md: a fine-tune (LoRA on the encoder's last two layers and one
linear output) for ``supervisor_request``, scored on the hand-off, look-alike, clean and R checks.

    python3 benchmarks/check_finetune.py [OUT_DIR]

Two fits (about 5 minutes each on 2 cores): one without NLU++ banking, which scores the fitting
set's banking lines (the hand-off check), one on every line, which scores the other checks and the
corpus test split. Each score is averaged with the n-gram model (fitted without banking for the
hand-off check, the shipped one otherwise) at weight 0.5 and read at 0.5. Prints false alarms,
precision and recall per check; the scores go to OUT_DIR (default /tmp/check_finetune). No held-out
set is read.
"""
import json, math, random, sys, time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "benchmarks"))
from coach.classify import train as T, datasets, lexmodel
from coach.classify.encoder import encoder_dir, _load_bert, _load_tokenizer
import check_lookalikes as CL

CUE = "supervisor_request"
SHARED = 4          # layers 0..3 shared with the heads' encoder, 4..5 adapted
RANK, ALPHA = 8, 16
LR, EPOCHS, BATCH, MAXLEN = 5e-4, 3, 32, 64
torch.manual_seed(0); torch.set_num_threads(2); torch.use_deterministic_algorithms(True)

class LoRA(torch.nn.Module):
    def __init__(self, base, r=RANK, alpha=ALPHA):
        super().__init__()
        self.base = base
        for p in base.parameters(): p.requires_grad_(False)
        self.a = torch.nn.Parameter(torch.randn(r, base.in_features) / math.sqrt(base.in_features))
        self.b = torch.nn.Parameter(torch.zeros(base.out_features, r))
        self.scale = alpha / r
    def forward(self, x):
        return self.base(x) + (x @ self.a.t() @ self.b.t()) * self.scale

def load_model():
    d = encoder_dir()
    m = _load_bert(d / "config.json", d / "model.safetensors")
    for p in m.parameters(): p.requires_grad_(False)
    return m, _load_tokenizer(d / "tokenizer.json")

def add_lora(m):
    for L in m.encoder.layer[SHARED:]:
        att = L.attention
        att.self.query, att.self.key, att.self.value = LoRA(att.self.query), LoRA(att.self.key), LoRA(att.self.value)
        att.output.dense = LoRA(att.output.dense)
        L.intermediate.dense = LoRA(L.intermediate.dense)
        L.output.dense = LoRA(L.output.dense)

class Stop(Exception): pass

def shared_states(m, tok, texts):
    """Per length-sorted batch: (indices, layer-SHARED input, the mask kwargs layer SHARED receives, attention)."""
    grabbed = {}
    def hook(mod, args, kwargs):
        grabbed["h"] = args[0] if args else kwargs["hidden_states"]
        grabbed["kw"] = {k: v for k, v in kwargs.items() if k != "hidden_states"}
        raise Stop
    hnd = m.encoder.layer[SHARED].register_forward_pre_hook(hook, with_kwargs=True)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = []
    with torch.no_grad():
        for s in range(0, len(order), BATCH):
            idx = order[s:s + BATCH]
            enc = tok.encode_batch([texts[i] or "" for i in idx])
            n = min(MAXLEN, max(len(e.ids) for e in enc))
            ids = torch.tensor([(e.ids + [0] * n)[:n] for e in enc]); att = torch.tensor([(e.attention_mask + [0] * n)[:n] for e in enc])
            try: m(input_ids=ids, attention_mask=att)
            except Stop: pass
            out.append((idx, grabbed["h"].clone(), {k: (v.clone() if torch.is_tensor(v) else v) for k, v in grabbed["kw"].items()}, att))
    hnd.remove()
    return out

class Top(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.layers = torch.nn.ModuleList(m.encoder.layer[SHARED:])
        self.out = torch.nn.Linear(384, 1)
    def forward(self, h, kw, att):
        for L in self.layers:
            r = L(h, **kw)
            h = r[0] if isinstance(r, tuple) else r
        mask = att.unsqueeze(-1).to(h.dtype)
        v = torch.nn.functional.normalize((h * mask).sum(1) / mask.sum(1).clamp(min=1e-9), dim=1)
        return self.out(v).squeeze(-1)

def fit(lines, labels, weights, cached_fn, log=print, seed=0):
    m, tok = load_model()
    torch.manual_seed(seed)
    add_lora(m); top = Top(m)
    params = [p for p in top.parameters() if p.requires_grad]
    batches = cached_fn(m, tok)
    y = torch.tensor(labels, dtype=torch.float32); w = torch.tensor(weights, dtype=torch.float32)
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=1e-2)
    steps = EPOCHS * len(batches); sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / steps)))
    rng = random.Random(seed)
    for ep in range(EPOCHS):
        t0 = time.monotonic(); order = list(range(len(batches))); rng.shuffle(order); tot = 0.0
        top.train()
        for b in order:
            idx, h, kw, att = batches[b]
            logit = top(h, kw, att)
            yy, ww = y[idx], w[idx] * torch.where(y[idx] > 0.5, 4.0, 1.0)
            if float(ww.sum()) == 0:
                continue
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(logit, yy, reduction="none") * ww).sum() / ww.sum()
            opt.zero_grad(); loss.backward(); opt.step(); sched.step(); tot += float(loss)
        log(f"epoch {ep + 1}: loss {tot / len(batches):.4f} ({time.monotonic() - t0:.0f} s)")
    top.eval()
    return m, tok, top

def score(m, tok, top, texts):
    out = np.zeros(len(texts), dtype=np.float32)
    with torch.no_grad():
        for idx, h, kw, att in shared_states(m, tok, texts):
            out[idx] = torch.sigmoid(top(h, kw, att)).numpy()
    return out



t0 = time.monotonic()
examples = datasets.training_examples(0, None, None, "annotated")
dev, fit_set, parents = T.split_and_augment(examples, 0)
service = [e for e in datasets.service_request_examples("train", None, datasets.SERVICE_REQUEST_FILES) if e.text]
weights = {**T.SOURCE_WEIGHT, datasets.SERVICE_REQUEST_SOURCE: T.SERVICE_REQUEST_WEIGHT["O"], datasets.NEGATION_SOURCE: T.SOURCE_WEIGHT["corpus"]}
lines = [e for e in fit_set if CUE in e.cues] + service
texts = [e.text for e in lines]; labels = [int(e.cues[CUE]) for e in lines]
w_all = [weights.get(e.source, 1.0) for e in lines]
w_nb = [0.0 if e.source == T.NEW_DOMAIN_SOURCE else x for e, x in zip(lines, w_all)]
print(f"{len(lines)} lines, {sum(labels)} positive, {sum(e.source == T.NEW_DOMAIN_SOURCE for e in lines)} banking; {time.monotonic()-t0:.0f} s", flush=True)
cache = {}
def cached(m, tok):
    if "b" not in cache:
        t = time.monotonic(); cache["b"] = shared_states(m, tok, texts); print(f"shared layers: {time.monotonic()-t:.0f} s", flush=True)
    return cache["b"]
out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/check_finetune"); out.mkdir(exist_ok=True, parents=True)
res = {}
# 1. without banking -> the hand-off check
m, tok, top = fit(texts, labels, w_nb, cached)
bank = [e for e in fit_set if e.source == T.NEW_DOMAIN_SOURCE and not e.augmented]
p_y = score(m, tok, top, [e.text for e in bank])
def fit_on(rows):
    return lexmodel.fit([e.text for e in rows], [int(e.cues[CUE]) for e in rows],
                        [weights.get(e.source, 1.0) * (4.0 if e.cues[CUE] else 1.0) for e in rows])
lex_lines = [e for e in fit_set if CUE in e.cues and not e.augmented] + service
lex_nb = lexmodel.predict_fitted(*fit_on([e for e in lex_lines if e.source != T.NEW_DOMAIN_SOURCE]), [e.text for e in bank])
np.savez(out / "bank.npz", y=p_y, lex=lex_nb, truth=np.array([e.cues[CUE] for e in bank]))
# 2. all lines -> the look-alike, clean and R checks and the corpus test split
m, tok, top = fit(texts, labels, w_all, cached)
torch.save({k: v for k, v in top.state_dict().items() if k.endswith((".a", ".b")) or k.startswith("out.")}, out / "adapter.pt")
from coach.classify.lexmodel import CUE_PREFIX, LexicalModel
lex = LexicalModel.load(ROOT / "models" / "classifier", CUE_PREFIX)
sets = {"lookalike": [e for v in CL.look_alike_lines().values() for e in v],
        "clean": [e for v in CL.clean_lines().values() for e in v],
        "rcheck": [e for v in CL.clean_lines(name=CL.R_CHECK).values() for e in v],
        "corpus_test": [e for e in datasets.corpus_examples("test") if e.text and CUE in e.cues]}
for name, rows in sets.items():
    tx = [e.text for e in rows]
    np.savez(out / f"{name}.npz", y=score(m, tok, top, tx), lex=lex.probabilities(tx), truth=np.array([e.cues[CUE] for e in rows]))
print(f"fits and scores in {time.monotonic()-t0:.0f} s")

def report(name, z, th=0.5):
    p = 0.5 * z["y"] + 0.5 * z["lex"]; t = z["truth"].astype(bool); hit = p >= th
    tp, fa = int((hit & t).sum()), int((hit & ~t).sum())
    prec = tp / max(tp + fa, 1); rec = tp / max(int(t.sum()), 1); f1 = 2 * prec * rec / max(prec + rec, 1e-9)
    print(f"{name}: {int(t.sum())} requests in {len(t)} lines; false alarms {fa}, P {prec:.3f} R {rec:.3f} F1 {f1:.3f}")
    return fa
pooled = sum(report(n, np.load(out / f"{n}.npz")) for n in ("bank", "lookalike", "clean", "rcheck"))
report("corpus_test", np.load(out / "corpus_test.npz"))
print(f"pooled false alarms of the four checks: {pooled}")
