using System.Globalization;
using System.Text;

namespace DistributedSolver.Keras;

/// <summary>Keras's model.summary() table (tf.keras's layout for sequential models: columns ending at 29, 55 and 65).</summary>
internal static class ModelSummary
{
    private static readonly int[] Columns = [29, 55, 65];

    public static string Write(string name, ResolvedModel model)
    {
        var text = new StringBuilder();
        string rule = new('_', Columns[^1]), doubleRule = new('=', Columns[^1]);
        text.Append($"Model: \"{name}\"\n").Append(rule).Append('\n');
        Row(text, "Layer (type)", "Output Shape", "Param #");
        text.Append(doubleRule).Append('\n');
        long total = 0;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var (layer, input, output) = model.Layers[i];
            long count = layer.ParameterCount(input);
            total += count;
            Row(text, $"{layer.Name} ({layer.GetType().Name})", KerasLayer.Describe(output), count.ToString(CultureInfo.InvariantCulture));
            text.Append(i == model.Layers.Count - 1 ? doubleRule : rule).Append('\n');
        }
        // Every weight here learns: the API has no frozen layers.
        text.Append($"Total params: {total.ToString("N0", CultureInfo.InvariantCulture)}\n");
        text.Append($"Trainable params: {total.ToString("N0", CultureInfo.InvariantCulture)}\n");
        text.Append("Non-trainable params: 0\n").Append(rule).Append('\n');
        return text.ToString();
    }

    // Each field is cut or padded to end at its column, as Keras's print_row does.
    private static void Row(StringBuilder text, params string[] fields)
    {
        var line = new StringBuilder();
        for (int i = 0; i < fields.Length; i++)
        {
            line.Append(fields[i]);
            if (line.Length > Columns[i]) line.Length = Columns[i];
            line.Append(' ', Columns[i] - line.Length);
        }
        text.Append(line).Append('\n');
    }
}
