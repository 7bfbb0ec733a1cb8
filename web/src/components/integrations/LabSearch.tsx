import { useEffect, useState } from 'preact/hooks';
import { api, problemMessage } from '../../api';
import type { Lab } from '../../types';

const DEBOUNCE_MS = 250;

/** "Search by Lab Name, Id": type a name fragment or an id, pick one of the matches. */
export function LabSearch({ selected, onSelect }: { selected: Lab | null; onSelect: (lab: Lab) => void }) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<Lab[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [searching, setSearching] = useState(false);

  useEffect(() => {
    const term = q.trim();
    if (!term) {
      setResults(null);
      return;
    }
    let stale = false;
    const timer = window.setTimeout(() => {
      setSearching(true);
      api.labs(term).then(
        ({ items }) => {
          if (stale) return;
          setResults(items);
          setError(null);
          setSearching(false);
        },
        (e: unknown) => {
          if (stale) return;
          setError(problemMessage(e));
          setSearching(false);
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      stale = true;
      window.clearTimeout(timer);
    };
  }, [q]);

  return (
    <div class="lab-search">
      <label class="field" for="lab-search">
        <span>Search by Lab Name, Id</span>
        <input
          id="lab-search"
          type="search"
          autoComplete="off"
          placeholder={selected ? `${selected.name} (#${selected.id})` : 'e.g. 1001 or Apollo'}
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
          data-testid="lab-search"
        />
      </label>
      {searching && <span class="spinner spinner-inline" aria-label="Searching" />}
      {error && <p class="field-error">{error}</p>}
      {results && (
        <ul class="lab-results" data-testid="lab-results">
          {results.length === 0 && <li class="muted">No lab matches “{q.trim()}”.</li>}
          {results.map((lab) => (
            <li key={lab.id}>
              <button
                type="button"
                class="lab-result"
                onClick={() => {
                  onSelect(lab);
                  setQ('');
                  setResults(null);
                }}
                data-testid="lab-result"
                data-lab-id={lab.id}
              >
                <strong>{lab.name}</strong> <span class="muted">#{lab.id}</span>
                {lab.city && <span class="muted"> · {lab.city}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
