using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
namespace Multiproc.Analyzers.Tests;
public class ScratchDebug
{
    [Fact]
    public void Dump()
    {
        var src = File.ReadAllText("/tmp/mpc_scratch.cs");
        var tree = CSharpSyntaxTree.ParseText(src);
        var comp = CSharpCompilation.Create("x", new[] { tree }, Verifiers.TestReferences.All, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var model = comp.GetSemanticModel(tree);
        var sb = new System.Text.StringBuilder();
        foreach (var d in comp.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)) sb.AppendLine("ERR " + d);
        foreach (var m in tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>())
        {
            var op = model.GetOperation(m)!;
            sb.AppendLine("== " + m.Identifier + " root " + op.Kind + " parent " + (op.Parent?.Kind));
            var cfg = op is IMethodBodyOperation mb ? ControlFlowGraph.Create(mb) : ControlFlowGraph.Create((IBlockOperation)op);
            foreach (var b in cfg.Blocks)
            {
                sb.AppendLine($"B{b.Ordinal} {b.Kind} region={b.EnclosingRegion.Kind} cond={b.ConditionKind} ft={b.FallThroughSuccessor?.Destination?.Ordinal}/{b.FallThroughSuccessor?.Semantics} fin=[{string.Join(",", b.FallThroughSuccessor?.FinallyRegions.Select(r => r.FirstBlockOrdinal) ?? new int[0])}] cs={b.ConditionalSuccessor?.Destination?.Ordinal}");
                foreach (var o in b.Operations) sb.AppendLine("   " + o.Kind + ": " + o.Syntax.ToString().Replace("\n", " ") + " | " + string.Join(",", o.DescendantsAndSelf().Select(x => x.Kind)));
                if (b.BranchValue is not null) sb.AppendLine("   BV " + b.BranchValue.Kind + ": " + b.BranchValue.Syntax);
            }
        }
        File.WriteAllText("/tmp/mpc_scratch.out", sb.ToString());
    }
}
