using DistributedSolver.Examples;

// The Keras-style C# API on three tasks; each trains the model the prototxt files beside its data
// describe (see README, "Keras-style C# API").
//   dotnet run -c Release --project examples/csharp -- boston [--export]
//   dotnet run -c Release --project examples/csharp -- binary [--export]
//   dotnet run -c Release --project examples/csharp -- lenet
string example = args.FirstOrDefault() ?? "";
bool export = args.Contains("--export");
switch (example)
{
    case "boston":
        BostonHousing.Run(export);
        return 0;
    case "binary":
        DigitsBinary.Run(export);
        return 0;
    case "lenet":
        LeNet.Run();
        return 0;
    default:
        Console.Error.WriteLine("usage: DistributedSolver.Examples boston|binary|lenet [--export]");
        Console.Error.WriteLine("  --export writes the example's prototxt and CSV files (examples/<name>/) for dsolver train");
        return 2;
}
