namespace DistributedSolver.Prototxt;

/// <summary>The " (did you mean 'x'?)" hint for a misspelled field or enum value name.</summary>
internal static class NameSuggestion
{
    public static string Hint(string name, IEnumerable<string> candidates)
    {
        // Two edits catch the usual typos (bas_lr, max_iters, lr_mul) without proposing
        // unrelated short names.
        int limit = name.Length <= 4 ? 1 : 2;
        string? best = null;
        int bestDistance = limit + 1;
        foreach (string candidate in candidates)
        {
            int distance = Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best is null ? "" : $" (did you mean '{best}'?)";
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions each cost 1.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
