// The namespaces most analyzer test files use, once for the project.
global using Microsoft.CodeAnalysis;
global using Microsoft.CodeAnalysis.CSharp;
global using Microsoft.CodeAnalysis.Testing;
global using Multiproc.CodeFixes;
global using Multiproc.Analyzers.Tests.Verifiers;
