# Sourced by the benchmarks that run the real fastText (bench-subwords.sh, bench-oov.sh).
# fasttext_python prints a Python that imports fasttext and numpy, first installing the pip
# wheel fasttext-numpy2-wheel and numpy into ${W2V_BENCH_VENV:-/tmp/w2v-bench-venv} if missing.
fasttext_python() {
  local venv=${W2V_BENCH_VENV:-/tmp/w2v-bench-venv}
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import fasttext, numpy' 2>/dev/null; then
    echo "installing fasttext-numpy2-wheel and numpy into $venv" >&2
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet fasttext-numpy2-wheel numpy >&2
  fi
  echo "$venv/bin/python"
}

# Run rather than sourced: print that Python (installing it on first use).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  usage() {
    echo "usage: scripts/fasttext-python.sh   prints a Python with fasttext and numpy, installing"
    echo "       them into \${W2V_BENCH_VENV:-/tmp/w2v-bench-venv} on first use; benchmarks source"
    echo "       this file and call fasttext_python"
  }
  case "${1:-}" in
    -h|--help) usage; exit 0 ;;
    "") fasttext_python ;;
    *) usage >&2; exit 2 ;;
  esac
fi
