using System.Threading;

namespace Multiproc.Analyzers;

/// <summary>Whether a rule is configured off, for an analyzer that runs several rules and skips the work of those that are off.</summary>
internal static class RuleConfiguration
{
    /// <summary>
    /// True when <paramref name="descriptor"/> is suppressed in every syntax tree of <paramref name="compilation"/>, so none of its
    /// diagnostics could be reported: by the compilation options (<c>/nowarn</c>, rule sets, <c>NoWarn</c>), a global
    /// analyzer config, the <c>.editorconfig</c> sections that apply to each tree (<c>dotnet_diagnostic.ID.severity = none</c>),
    /// or by default when the rule is not enabled by default. Conservative: when those settings disagree for a tree
    /// (say, <c>none</c> in one place and <c>warning</c> in another), the rule counts as on there.
    /// </summary>
    public static bool IsOffEverywhere(Compilation compilation, DiagnosticDescriptor descriptor, CancellationToken cancellationToken)
    {
        var id = descriptor.Id;
        var options = compilation.Options;
        var hasSpecific = options.SpecificDiagnosticOptions.TryGetValue(id, out var specific);
        if (hasSpecific && specific != ReportDiagnostic.Suppress) return false;
        var provider = options.SyntaxTreeOptionsProvider;
        var hasGlobal = false;
        var global = ReportDiagnostic.Default;
        if (provider is not null) hasGlobal = provider.TryGetGlobalDiagnosticValue(id, cancellationToken, out global);
        foreach (var tree in compilation.SyntaxTrees)
        {
            // A tree's own setting overrides the global config; where neither the compilation options nor the
            // configs say anything, the descriptor's default decides.
            ReportDiagnostic treeValue = ReportDiagnostic.Default;
            var hasTree = provider is not null && provider.TryGetDiagnosticValue(tree, id, cancellationToken, out treeValue);
            if (!hasTree && hasGlobal) { hasTree = true; treeValue = global; }
            if (hasTree ? treeValue != ReportDiagnostic.Suppress : !hasSpecific && descriptor.IsEnabledByDefault) return false;
        }
        return true;
    }
}
