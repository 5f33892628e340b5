"""What a run changed, read outside the Cloud Coding API: GitHub's REST API, git's push output
in the agent's stdout, and bringing the pushed commits into the user's clone.

    github_host     where the user's token may be sent (the one rule)
    github_client   one repository's REST calls: heads, comparisons, as Changes
    github          head_before / read_changes: a run's changes, never raising
    push_output     git's push lines and pull request URLs in hostile text
    git             git as a subprocess (no shell, no secrets, no prompts, a timeout)
    pull            %cloudcode pull: fetch, then fast-forward only
    pull_result     what a pull did, told in a few lines
    reload          the kernel's modules a pull touched, reloaded on request

The models (``Changes``, ``Commit``, ...) live in :mod:`cc_jupyter.run.changes`.
"""
